"""The graduation workflow end to end in Debian's Chromium against a live server.

A pendamping proposes graduasi mandiri with the family's signed statement and a referral to
PPSE; the Dinsos officer returns it; the pendamping, told on the Beranda, submits it again; the
officer approves. The KPM then shows as graduated with its referral, and the 6-month follow-up
is due on the pendamping's Beranda. An officer of another kabupaten gets 404 on the proposal.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from graduasi.models import Proposal, ProposalStatus
from kpm.models import KpmStatus
from pemberdayaan.models import FollowUp, Referral
from pemberdayaan.services.handover import follow_up_due
from tests.browser import outside, record_requests
from tests.conftest import SEED_MIGRATIONS, live_db
from tests.test_workspace_browser import PHONE, sign_in, sign_out, snap

pytestmark = [pytest.mark.browser, live_db]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
RETURN_NOTE = "Tulis usaha apa yang dijalankan keluarga sekarang."


@pytest.fixture(autouse=True)
def _seeded_rows(transactional_db):
    for module in SEED_MIGRATIONS:
        if not module.startswith("wilayah."):
            importlib.import_module(module).seed(apps, None)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def decide(page: Page, live_server, username: str, proposal: Proposal, action: str, note: str):
    sign_in(page, live_server, username)
    page.goto(f"{live_server.url}/usulan/")
    queue = page.get_by_test_id("proposal-queue")
    queue.get_by_role("link", name=proposal.kpm.kpm_id).click()
    form = page.get_by_test_id(action)
    form.locator("textarea").fill(note)
    form.get_by_role("button").click()


def test_mandiri_is_returned_resubmitted_approved_and_followed_up(
    page: Page, live_server, world, tmp_path
):
    seen = record_requests(page)
    page.set_viewport_size(PHONE)
    statement = tmp_path / "surat-pernyataan.pdf"
    statement.write_bytes(PDF)
    today = timezone.localdate()

    # 1. The pendamping proposes graduasi mandiri from the profile, with the statement file.
    sign_in(page, live_server, "pendamping_kota")
    page.goto(f"{live_server.url}/kpm/KDR-OWN/")
    page.get_by_test_id("propose-graduation").click()
    form = page.get_by_test_id("proposal-form")
    form.get_by_label("Graduasi mandiri").check()
    form.get_by_label("Alasan usulan").fill("Keluarga menyatakan siap keluar; warung berjalan.")
    form.get_by_label("PPSE", exact=False).check()
    form.get_by_label("Tanggal keluarga menyetujui rujukan").fill(today.isoformat())
    form.get_by_label("Surat pernyataan bertanda tangan").set_input_files(str(statement))
    snap(page, "usulan-baru")
    form.get_by_test_id("proposal-submit").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("Diajukan")
    proposal = Proposal.objects.select_related("kpm").get(kpm=world.kpm_own)
    assert proposal.signed_statement and proposal.type == "mandiri"
    sign_out(page)

    # 2. The officer returns it with a note.
    decide(page, live_server, "dinsos_kota", proposal, "return", RETURN_NOTE)
    expect(page.get_by_test_id("proposal-status")).to_have_text("Dikembalikan untuk perbaikan")
    sign_out(page)

    # 3. The pendamping sees the notice on the Beranda, opens it and submits again.
    sign_in(page, live_server, "pendamping_kota")
    notices = page.get_by_test_id("notices")
    expect(notices).to_contain_text(RETURN_NOTE)
    notices.get_by_role("button", name="KDR-OWN", exact=False).click()
    expect(page.get_by_test_id("decision-note")).to_contain_text(RETURN_NOTE)
    page.get_by_test_id("proposal-submit").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("Diajukan")
    sign_out(page)

    # 4. The officer approves.
    decide(page, live_server, "dinsos_kota", proposal, "approve", "Bukti lengkap.")
    expect(page.get_by_test_id("proposal-status")).to_have_text("Disetujui")
    snap(page, "usulan-disetujui")
    sign_out(page)

    # 5. The KPM is graduated, referred to PPSE, and its 6-month follow-up is on the Beranda.
    world.kpm_own.refresh_from_db()
    assert (world.kpm_own.status, world.kpm_own.graduated_on) == (KpmStatus.GRADUATED, today)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.APPROVED
    referral = Referral.objects.get(kpm=world.kpm_own)
    assert referral.programme.code == "ppse" and referral.consent_on == today
    sign_in(page, live_server, "pendamping_kota")
    follow_ups = page.get_by_test_id("follow-ups")
    six_months = follow_up_due(today, 6)
    row = follow_ups.locator("li, tr").filter(has_text="KDR-OWN").first
    expect(row).to_contain_text(six_months.strftime("%d-%m-%Y"))
    assert FollowUp.objects.filter(kpm=world.kpm_own, due_on=six_months).exists()
    page.goto(f"{live_server.url}/kpm/KDR-OWN/")
    graduation = page.get_by_test_id("profile-graduation")
    expect(graduation).to_contain_text("Graduasi mandiri")
    expect(graduation).to_contain_text("PPSE")
    snap(page, "kpm-graduasi")
    assert outside(seen) == []


def test_an_officer_of_another_kabupaten_gets_404_on_the_proposal(page: Page, live_server, world):
    proposal = Proposal.objects.create(
        kpm=world.kpm_own, pendamping=world.pendamping_kota, type="mandiri",
        status=ProposalStatus.SUBMITTED, created_by=world.pendamping_kota.user,
        submitted_at=timezone.now(),
    )  # fmt: skip
    sign_in(page, live_server, "dinsos_kab")
    response = page.goto(f"{live_server.url}/usulan/{proposal.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{live_server.url}/usulan/")
    expect(page.get_by_text("KDR-OWN")).to_have_count(0)
    response = page.goto(f"{live_server.url}/usulan/{proposal.pk}/surat/")
    assert response is not None and response.status == 404
    # The decision forms answer 404 too: a POST from the page's own session.
    status = page.evaluate(
        """async (url) => {
            const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='));
            const body = new URLSearchParams({catatan: 'Setuju'});
            const r = await fetch(url, {method: 'POST', body,
                headers: {'X-CSRFToken': token ? token.split('=')[1] : ''}});
            return r.status;
        }""",
        f"{live_server.url}/usulan/{proposal.pk}/setujui/",
    )
    assert status == 404
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED
