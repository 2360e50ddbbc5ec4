"""The proposal pages: the pendamping drafts from the KPM profile, attaches the statement,
submits, revises; a Dinsos officer returns, rejects or approves. Refusals appear on the page;
a second decision answers 409; out of scope is 404."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from graduasi.models import AssessmentStatus, GraduationType, KpmAssessment, Proposal
from graduasi.models import ProposalStatus as S
from graduasi.rules import months_before
from graduasi.services.proposals import (
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_return,
    proposal_submit,
)
from graduasi.views.sections import beranda_section
from kpm.models import Kpm, KpmStatus
from pemberdayaan.models import Programme, Referral
from pengguna.models import Notice, Role, User
from tests.conftest import KOTA_KEDIRI, World, make_user
from tests.factories import EconomicAssessmentFactory, KpmFactory

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf(content: bytes = PDF, name: str = "pernyataan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assess(kpm: Kpm, status: str, reasons: list[dict[str, Any]]) -> KpmAssessment:
    return KpmAssessment.objects.create(
        kpm=kpm, status=status, reasons=reasons, component_count=0, yearly_benefit=0,
        per_tahap=0, status_since=date(2026, 1, 1), updated_at=timezone.now(),
    )  # fmt: skip


def create_url(kpm: Kpm) -> str:
    return reverse("usulan:create", args=[kpm.kpm_id])


def url(name: str, proposal: Proposal) -> str:
    return reverse(f"usulan:{name}", args=[proposal.pk])


def only_proposal(kpm: Kpm) -> Proposal:
    return Proposal.objects.get(kpm=kpm)


def submitted(world: World) -> Proposal:
    user = world.pendamping_kota.user
    proposal = proposal_draft(kpm=world.kpm_own, actor=user, type=GraduationType.MANDIRI)
    proposal_attach_statement(proposal=proposal, actor=user, file=pdf())
    return proposal_submit(proposal=proposal, actor=user)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# The whole path ------------------------------------------------------------------------------


def test_a_mandiri_proposal_goes_from_the_profile_through_return_to_approval(world):
    pendamping = signed_in(world.pendamping_kota.user)
    officer = signed_in(world.dinsos_kota)
    kpm = world.kpm_own
    profile = pendamping.get(reverse("kpm:profile", args=[kpm.kpm_id])).content.decode()
    assert create_url(kpm) in profile and "Usulkan graduasi" in profile

    page = pendamping.get(create_url(kpm))
    assert page.status_code == 200 and 'data-testid="proposal-form"' in page.content.decode()
    programme = Programme.objects.filter(active=True).first()
    assert programme is not None
    response = pendamping.post(
        create_url(kpm),
        {
            "type": "mandiri", "justification": "Usaha warung sudah stabil.",
            "programmes": [programme.pk], "consent_on": TODAY.isoformat(),
            "signed_statement": pdf(), "aksi": "ajukan",
        },
    )  # fmt: skip
    proposal = only_proposal(kpm)
    assert response.status_code == 302 and response["Location"] == url("detail", proposal)
    assert proposal.status == S.SUBMITTED and proposal.signed_statement
    assert list(proposal.referral_programmes.all()) == [programme]

    detail = officer.get(url("detail", proposal)).content.decode()
    for form in ('data-testid="approve"', 'data-testid="reject"', 'data-testid="return"'):
        assert form in detail
    response = officer.post(url("return", proposal), {"catatan": "Lengkapi tanda tangan saksi."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == S.RETURNED
    beranda = pendamping.get(reverse("home")).content.decode()
    assert "Lengkapi tanda tangan saksi." in beranda

    response = pendamping.post(
        url("edit", proposal),
        {
            "type": "mandiri", "justification": "Saksi sudah tanda tangan.",
            "programmes": [programme.pk], "consent_on": TODAY.isoformat(), "aksi": "ajukan",
        },
    )  # fmt: skip
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED and proposal.justification == "Saksi sudah tanda tangan."

    response = officer.post(url("approve", proposal), {"catatan": ""}, follow=True)
    assert "Usulan graduasi KPM KDR-OWN disetujui." in messages_of(response)
    kpm.refresh_from_db()
    assert kpm.status == KpmStatus.GRADUATED and kpm.graduation_type == GraduationType.MANDIRI
    assert Referral.objects.filter(kpm=kpm, programme=programme).exists()
    notices = Notice.objects.filter(user=world.pendamping_kota.user).order_by("id")
    assert [n.link for n in notices] == [url("detail", proposal)] * 2
    assert "disetujui" in notices.last().message  # type: ignore[union-attr]

    history = pendamping.get(url("detail", proposal)).content.decode()
    assert "Diajukan → Dikembalikan untuk perbaikan" in history
    assert "Lengkapi tanda tangan saksi." in history
    assert history.count("Diajukan → Disetujui") == 1


def test_saving_a_draft_without_a_statement_keeps_it_as_a_draft_and_says_what_is_missing(world):
    client = signed_in(world.pendamping_kota.user)
    response = client.post(
        create_url(world.kpm_own), {"type": "mandiri", "aksi": "simpan"}, follow=True
    )
    proposal = only_proposal(world.kpm_own)
    assert proposal.status == S.DRAFT
    assert "Lampirkan surat pernyataan sebelum mengajukan." in messages_of(response)
    assert 'data-testid="attach-statement"' in response.content.decode()


# Refusals ------------------------------------------------------------------------------------


def test_submitting_mandiri_without_a_statement_shows_why_and_leaves_the_draft(world):
    client = signed_in(world.pendamping_kota.user)
    response = client.post(
        create_url(world.kpm_own), {"type": "mandiri", "aksi": "ajukan"}, follow=True
    )
    proposal = only_proposal(world.kpm_own)
    assert proposal.status == S.DRAFT
    assert any("memerlukan surat pernyataan" in m for m in messages_of(response))

    response = client.post(url("submit", proposal))
    assert response.status_code == 400
    assert "memerlukan surat pernyataan" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == S.DRAFT and proposal.submitted_at is None


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param(PDF + b"0" * (6 * 1024 * 1024), "terlalu besar", id="six-megabytes"),
        pytest.param(b"MZ\x90\x00 not a document", "PDF, JPG atau PNG", id="wrong-type"),
        pytest.param(b"", "Berkas kosong", id="empty"),
    ],
)
def test_a_refused_statement_file_is_shown_beside_the_field_and_nothing_is_saved(
    world, content, words
):
    client = signed_in(world.pendamping_kota.user)
    response = client.post(
        create_url(world.kpm_own),
        {"type": "mandiri", "justification": "Siap keluar.", "signed_statement": pdf(content)},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert words in " ".join(form.errors["signed_statement"])
    page = response.content.decode()
    assert 'data-testid="file-refused"' in page and "Siap keluar." in page
    assert not Proposal.objects.filter(kpm=world.kpm_own).exists()


def test_a_refused_file_on_the_detail_page_keeps_the_old_statement(world):
    proposal = proposal_draft(
        kpm=world.kpm_own, actor=world.pendamping_kota.user, type=GraduationType.MANDIRI
    )
    client = signed_in(world.pendamping_kota.user)
    response = client.post(url("attach", proposal), {"signed_statement": pdf(b"GIF89a...")})
    assert response.status_code == 400
    assert "PDF, JPG atau PNG" in response.content.decode()
    proposal.refresh_from_db()
    assert not proposal.signed_statement
    response = client.post(url("attach", proposal), {"signed_statement": pdf()})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.signed_statement.name.endswith(".pdf")


def test_a_sejahtera_proposal_with_a_stale_assessment_is_kept_as_a_draft(world):
    kpm = world.kpm_own
    assess(kpm, AssessmentStatus.SEJAHTERA, [{"code": "desil_above_ceiling", "holds": True,
           "values": {"desil": 6, "ceiling": 4}, "status": "sejahtera"}])  # fmt: skip
    EconomicAssessmentFactory.create(
        kpm=kpm, assessed_on=months_before(TODAY, 6) - timedelta(days=1)
    )
    client = signed_in(world.pendamping_kota.user)
    page = client.get(create_url(kpm)).content.decode()
    assert "Desil DTSEN 6 di atas batas desil 4" in page
    assert re.search(r'value="sejahtera"[^>]*checked', page)  # prefilled from the assessment

    response = client.post(create_url(kpm), {"type": "sejahtera", "aksi": "ajukan"}, follow=True)
    proposal = only_proposal(kpm)
    assert proposal.status == S.DRAFT and proposal.economic_assessment is None
    assert any("asesmen ekonomi paling lama 6 bulan" in m for m in messages_of(response))


def test_a_type_the_assessment_does_not_support_is_refused_beside_the_choice(world):
    client = signed_in(world.pendamping_kota.user)
    response = client.post(create_url(world.kpm_own), {"type": "alamiah", "aksi": "simpan"})
    assert response.status_code == 200
    assert "tidak menunjukkan graduasi alamiah" in " ".join(response.context["form"].errors["type"])
    assert not Proposal.objects.filter(kpm=world.kpm_own).exists()


def test_programmes_without_a_consent_date_are_refused_beside_the_date(world):
    client = signed_in(world.pendamping_kota.user)
    programme = Programme.objects.filter(active=True).first()
    assert programme is not None
    response = client.post(
        create_url(world.kpm_own), {"type": "mandiri", "programmes": [programme.pk]}
    )
    assert "Isi tanggal keluarga menyetujui" in " ".join(
        response.context["form"].errors["consent_on"]
    )
    assert not Proposal.objects.filter(kpm=world.kpm_own).exists()


def test_a_rejection_without_a_reason_is_refused_on_the_page(world):
    proposal = submitted(world)
    response = signed_in(world.dinsos_kota).post(url("reject", proposal), {"catatan": "  "})
    assert response.status_code == 400
    assert "Tulis alasan penolakan." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED


def test_the_submitter_made_an_officer_is_refused_on_the_page(world):
    proposal = submitted(world)
    user = world.pendamping_kota.user
    user.role, user.scope_region_code = Role.DINSOS, KOTA_KEDIRI
    user.save()
    response = signed_in(user).post(url("approve", proposal), {"catatan": ""})
    assert response.status_code == 400
    assert "keputusan harus diambil petugas lain" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED


def test_a_second_decision_answers_409_with_who_decided_first(world):
    proposal = submitted(world)
    first = make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI, first_name="Bu Sari")
    proposal_approve(proposal=proposal, officer=first)
    response = signed_in(world.dinsos_kota).post(url("reject", proposal), {"catatan": "Belum"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "sudah disetujui oleh Bu Sari pada" in page
    assert 'data-testid="proposal-status">Disetujui<' in page
    assert 'data-testid="reject"' not in page  # the page shows the current state
    proposal.refresh_from_db()
    assert proposal.status == S.APPROVED


# Scope ---------------------------------------------------------------------------------------

ACTIONS = ("detail", "statement", "approve", "reject", "return")


@pytest.mark.parametrize("name", ACTIONS)
def test_an_officer_of_another_kabupaten_gets_404(world, name):
    proposal = submitted(world)
    client = signed_in(world.dinsos_kab)
    response = client.get(url(name, proposal)) if name in ("detail", "statement") else (
        client.post(url(name, proposal), {"catatan": "x"})
    )  # fmt: skip
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED


@pytest.mark.parametrize("name", ("detail", "statement", "edit", "submit", "withdraw", "attach"))
def test_another_pendamping_of_the_same_kabupaten_gets_404(world, name):
    proposal = proposal_draft(
        kpm=world.kpm_own, actor=world.pendamping_kota.user, type=GraduationType.MANDIRI
    )
    proposal_attach_statement(proposal=proposal, actor=world.pendamping_kota.user, file=pdf())
    client = signed_in(world.pendamping_kota_other.user)
    get = name in ("detail", "statement", "edit")
    response = client.get(url(name, proposal)) if get else client.post(url(name, proposal))
    assert response.status_code == 404
    assert client.get(create_url(world.kpm_own)).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == S.DRAFT


def test_the_statement_downloads_as_an_attachment_only_for_those_who_see_the_proposal(world):
    proposal = submitted(world)
    for user in (world.pendamping_kota.user, world.dinsos_kota, world.kementerian_jatim):
        response = signed_in(user).get(url("statement", proposal))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "surat-pernyataan-KDR-OWN.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert signed_in(world.kementerian_jabar).get(url("statement", proposal)).status_code == 404
    assert signed_in(world.agency).get(url("statement", proposal)).status_code == 403


def test_ministry_staff_read_a_proposal_but_have_no_decision_forms(world):
    proposal = submitted(world)
    client = signed_in(world.kementerian_jatim)
    page = client.get(url("detail", proposal)).content.decode()
    assert 'data-testid="proposal-status">Diajukan<' in page
    assert 'data-testid="approve"' not in page
    assert client.post(url("approve", proposal)).status_code == 403
    assert signed_in(world.agency).get(url("detail", proposal)).status_code == 403


# The pendamping's other actions --------------------------------------------------------------


def test_a_pendamping_withdraws_an_open_proposal_and_may_propose_again(world):
    proposal = submitted(world)
    client = signed_in(world.pendamping_kota.user)
    assert 'data-testid="withdraw"' in client.get(url("detail", proposal)).content.decode()
    response = client.post(url("withdraw", proposal), follow=True)
    assert "Usulan ditarik." in messages_of(response)
    proposal.refresh_from_db()
    assert proposal.status == S.WITHDRAWN
    profile = client.get(reverse("kpm:profile", args=["KDR-OWN"])).content.decode()
    assert 'data-testid="propose-graduation"' in profile and "Ditarik" in profile


def test_an_open_proposal_sends_the_create_page_to_it(world):
    proposal = submitted(world)
    client = signed_in(world.pendamping_kota.user)
    response = client.get(create_url(world.kpm_own))
    assert response.status_code == 302 and response["Location"] == url("detail", proposal)
    profile = client.get(reverse("kpm:profile", args=["KDR-OWN"])).content.decode()
    assert 'data-testid="propose-graduation"' not in profile
    assert 'data-testid="profile-proposal-status">Diajukan<' in profile


def test_a_submitted_proposal_is_not_edited(world):
    proposal = submitted(world)
    client = signed_in(world.pendamping_kota.user)
    response = client.get(url("edit", proposal), follow=True)
    assert response.redirect_chain[-1][0] == url("detail", proposal)
    assert any("tidak dapat diubah" in m for m in messages_of(response))


def test_only_the_kpm_pendamping_is_offered_to_propose(world):
    profile = reverse("kpm:profile", args=["KDR-OWN"])
    page = signed_in(world.dinsos_kota).get(profile).content.decode()
    assert 'data-testid="propose-graduation"' not in page
    graduated = signed_in(world.pendamping_kota.user).get(reverse("kpm:profile", args=["KDR-GRAD"]))
    assert 'data-testid="propose-graduation"' not in graduated.content.decode()
    assert signed_in(world.dinsos_kota).get(create_url(world.kpm_own)).status_code == 403


def test_the_own_list_puts_returned_proposals_first_then_drafts_submitted_and_decided(world):
    own = world.pendamping_kota
    kpm = KpmFactory.create_batch(3, pendamping=own)
    user = own.user
    returned = proposal_return(proposal=submitted(world), officer=world.dinsos_kota, note="Cek")
    draft = proposal_draft(kpm=kpm[0], actor=user, type=GraduationType.MANDIRI)
    waiting = proposal_draft(kpm=kpm[1], actor=user, type=GraduationType.MANDIRI)
    proposal_attach_statement(proposal=waiting, actor=user, file=pdf())
    proposal_submit(proposal=waiting, actor=user)
    approved = proposal_draft(kpm=kpm[2], actor=user, type=GraduationType.MANDIRI)
    proposal_attach_statement(proposal=approved, actor=user, file=pdf())
    proposal_submit(proposal=approved, actor=user)
    proposal_approve(proposal=approved, officer=world.dinsos_kota)

    response = signed_in(user).get(reverse("usulan:mine"))
    rows = response.context["rows"]
    assert [p.pk for p in rows.returned] == [returned.pk]
    assert [p.pk for p in rows.drafts] == [draft.pk]
    assert [p.pk for p in rows.submitted] == [waiting.pk]
    assert [p.pk for p in rows.decided] == [approved.pk]
    page = response.content.decode()
    assert page.index('data-testid="mine-returned"') < page.index('data-testid="mine-drafts"')
    assert page.index('data-testid="mine-drafts"') < page.index('data-testid="mine-submitted"')
    assert signed_in(world.dinsos_kota).get(reverse("usulan:mine")).status_code == 403


# Beranda -------------------------------------------------------------------------------------


def test_the_pendamping_beranda_lists_returned_and_draft_proposals_in_one_query(world):
    returned = proposal_return(proposal=submitted(world), officer=world.dinsos_kota, note="Cek")
    with CaptureQueriesContext(connection) as queries:
        context = beranda_section(world.pendamping_kota.user, on=TODAY)
    assert len(queries) == 1
    assert [p.pk for p in context["proposal_action_rows"]] == [returned.pk]
    assert beranda_section(world.pendamping_kota_other.user, on=TODAY) == {
        "proposal_action_rows": []
    }


def test_the_officer_beranda_shows_pending_and_ages_with_a_link_to_the_queue(world):
    proposal = submitted(world)
    Proposal.objects.filter(pk=proposal.pk).update(submitted_at=timezone.now() - timedelta(days=4))
    with CaptureQueriesContext(connection) as queries:
        summary = beranda_section(world.dinsos_kota, on=TODAY)["proposal_summary"]
    assert len(queries) == 1
    assert (summary.pending, summary.oldest_days, summary.median_days) == (1, 4, 4.0)
    page = signed_in(world.dinsos_kota).get(reverse("home")).content.decode()
    assert reverse("usulan:queue") in page and 'data-testid="beranda-pending"' in page
    assert beranda_section(world.dinsos_kab, on=TODAY)["proposal_summary"].pending == 0
    assert beranda_section(world.kementerian_national, on=TODAY) == {}


def test_the_menu_offers_the_queue_to_dinsos_and_the_own_list_to_a_pendamping(world):
    home = reverse("home")
    assert reverse("usulan:queue") in signed_in(world.dinsos_kota).get(home).content.decode()
    page = signed_in(world.pendamping_kota.user).get(home).content.decode()
    assert reverse("usulan:mine") in page
    for user in (world.kementerian_national, world.agency):
        page = signed_in(user).get(home).content.decode()
        assert 'href="/usulan/' not in page


def test_the_own_list_and_a_proposal_page_read_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    user = world.pendamping_kota.user
    for kpm in KpmFactory.create_batch(8, pendamping=world.pendamping_kota):
        draft = proposal_draft(kpm=kpm, actor=user, type=GraduationType.MANDIRI)
        proposal_attach_statement(proposal=draft, actor=user, file=pdf())
    client = signed_in(user)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("usulan:mine"))
    assert len(response.context["rows"].drafts) == 8
    with django_assert_max_num_queries(8):
        assert client.get(url("detail", draft)).status_code == 200
