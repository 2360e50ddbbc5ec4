"""A KPM leaving PKH for a reason that is not a graduation: who may record it, what is refused,
what it changes (status, last tahap paid, open proposals, assessment), and that it never counts
toward a pendamping's target."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import DomainError
from graduasi.models import GraduationType, KpmAssessment, Proposal, ProposalStatus
from graduasi.rules import tahap_of
from graduasi.selectors import pendamping_target, policy_on
from graduasi.services.proposals import (
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_submit,
)
from kpm.models import Anggota, ExitReason, Kpm, KpmStatus, MemberStatus
from kpm.services.membership import kpm_exit
from pengguna.models import Notice
from tests.conftest import DESA_KOTA_KEDIRI, World, make_kpm
from tests.factories import AnggotaFactory

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"

PERSONAS: dict[str, Callable[[World], Any]] = {
    "pendamping_own": lambda w: w.pendamping_kota.user,
    "dinsos_same_kabupaten": lambda w: w.dinsos_kota,
    "dinsos_other_kabupaten": lambda w: w.dinsos_kab,
    "kementerian_national": lambda w: w.kementerian_national,
    "kementerian_jatim": lambda w: w.kementerian_jatim,
    "agency": lambda w: w.agency,
    "admin": lambda w: w.admin,
}
ALLOWED = {"dinsos_same_kabupaten", "admin"}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def today() -> date:
    return timezone.localdate()


def leave(world: World, kpm: Kpm | None = None, **overrides: Any) -> Kpm:
    values: dict[str, Any] = {
        "kpm": kpm or world.kpm_own, "actor": world.dinsos_kota, "reason": ExitReason.MOVED,
        "on": today(), "note": "",
    }  # fmt: skip
    values.update(overrides)
    return kpm_exit(**values)


def kpm_events(kpm: Kpm) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="kpm.kpm", object_id=str(kpm.pk)))


# Who may record an exit ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_only_dinsos_of_the_kabupaten_and_admin_record_an_exit(world, persona):
    actor = PERSONAS[persona](world)

    if persona in ALLOWED:
        leave(world, actor=actor)
        assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.EXITED
    else:
        with pytest.raises(DomainError) as refused:
            leave(world, actor=actor)
        assert refused.value.code == "forbidden"
        assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.ACTIVE
        assert kpm_events(world.kpm_own) == []


# What an exit changes ------------------------------------------------------------------------


def test_an_exit_records_status_date_reason_note_and_the_last_tahap_paid(world):
    on = today() - timedelta(days=3)

    leave(world, reason=ExitReason.INELIGIBLE, on=on, note="Penghasilan tetap PNS")

    kpm = Kpm.objects.get(pk=world.kpm_own.pk)
    assert kpm.status == KpmStatus.EXITED
    assert kpm.exited_on == on
    assert kpm.exit_reason == ExitReason.INELIGIBLE
    assert kpm.exit_note == "Penghasilan tetap PNS"
    assert (kpm.last_paid_year, kpm.last_paid_tahap) == (on.year, tahap_of(on))
    assert kpm.graduated_on is None and kpm.graduation_type == ""
    [event] = kpm_events(kpm)
    assert event.actor == world.dinsos_kota
    assert event.changes["status"] == ["aktif", "keluar"]
    assert event.changes["exit_reason"] == ["", "tidak_layak"]
    assert event.changes["last_paid_tahap"] == [None, tahap_of(on)]


def test_a_waiting_household_leaves_the_list_without_a_tahap_paid(world):
    waiting = make_kpm("KDR-WAIT", DESA_KOTA_KEDIRI, None, status=KpmStatus.WAITING)

    leave(world, kpm=waiting, reason=ExitReason.MOVED)

    waiting.refresh_from_db()
    assert waiting.status == KpmStatus.EXITED
    assert waiting.last_paid_year is None and waiting.last_paid_tahap is None


def test_a_duplicate_names_the_kpm_it_duplicates_in_its_note(world):
    leave(world, reason=ExitReason.DUPLICATE, note="NIK sama", duplicate_of="KDR-SAME")

    kpm = Kpm.objects.get(pk=world.kpm_own.pk)
    assert kpm.exit_reason == ExitReason.DUPLICATE
    assert "KDR-SAME" in kpm.exit_note and "NIK sama" in kpm.exit_note


def test_meninggal_records_the_death_of_the_last_member(world):
    on = today() - timedelta(days=1)

    leave(world, reason=ExitReason.DIED, on=on)

    member = Anggota.objects.get(kpm=world.kpm_own)
    assert (member.status, member.status_changed_on) == (MemberStatus.DIED, on)
    assert AuditEvent.objects.filter(object_type="kpm.anggota", object_id=str(member.pk)).exists()
    assert Kpm.objects.get(pk=world.kpm_own.pk).exit_reason == ExitReason.DIED


def test_an_exit_withdraws_the_open_proposal_and_tells_the_pendamping(world):
    pendamping = world.pendamping_kota.user
    proposal = proposal_draft(kpm=world.kpm_own, actor=pendamping, type=GraduationType.MANDIRI)

    leave(world, reason=ExitReason.MOVED)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    event = AuditEvent.objects.filter(object_type="graduasi.proposal", object_id=str(proposal.pk))
    last = event.latest("id")
    assert last.changes["status"] == ["draf", "ditarik"]
    assert "keluar" in last.changes["note"][1]
    assert last.actor == world.dinsos_kota
    notice = Notice.objects.get(user=pendamping)
    assert "KDR-OWN" in notice.message and "ditarik" in notice.message


def test_an_exit_drops_the_assessment_once_it_commits(world, django_capture_on_commit_callbacks):
    KpmAssessment.objects.create(
        kpm=world.kpm_own, status="alamiah", reasons=[], component_count=0, yearly_benefit=0,
        per_tahap=0, status_since=date(2026, 1, 1), updated_at=timezone.now(),
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        leave(world)

    assert not KpmAssessment.objects.filter(kpm=world.kpm_own).exists()


def test_an_exit_never_counts_toward_the_pendamping_target(world):
    pendamping = world.pendamping_kota
    graduating = world.kpm_own
    leaving = make_kpm("KDR-LEAVE", DESA_KOTA_KEDIRI, pendamping, pengurus_nik="3571015808780009")
    proposal = proposal_draft(kpm=graduating, actor=pendamping.user, type=GraduationType.MANDIRI)
    proposal_attach_statement(
        proposal=proposal, actor=pendamping.user, file=SimpleUploadedFile("s.pdf", PDF)
    )
    proposal_approve(
        proposal=proposal_submit(proposal=proposal, actor=pendamping.user),
        officer=world.dinsos_kota,
    )
    pending = proposal_draft(kpm=leaving, actor=pendamping.user, type=GraduationType.MANDIRI)
    proposal_attach_statement(
        proposal=pending, actor=pendamping.user, file=SimpleUploadedFile("s.pdf", PDF)
    )
    proposal_submit(proposal=pending, actor=pendamping.user)
    on = today()
    before = pendamping_target(pendamping, on=on, policy=policy_on(on))

    leave(world, kpm=leaving, reason=ExitReason.INELIGIBLE, note="Pindah ke program lain")

    after = pendamping_target(pendamping, on=on, policy=policy_on(on))
    assert (before.progress.approved, before.pending) == (1, 1)
    assert (after.progress.approved, after.pending) == (1, 0)
    assert Proposal.objects.filter(status=ProposalStatus.APPROVED).count() == 1


# Refusals ------------------------------------------------------------------------------------


def test_a_graduated_kpm_cannot_exit_and_is_told_its_status(world):
    with pytest.raises(DomainError, match="Graduasi") as refused:
        leave(world, kpm=world.kpm_graduated)
    assert refused.value.code == "kpm_not_exitable"
    assert Kpm.objects.get(pk=world.kpm_graduated.pk).status == KpmStatus.GRADUATED


def test_an_exited_kpm_cannot_exit_again(world):
    leave(world)
    with pytest.raises(DomainError, match="Keluar") as refused:
        leave(world, reason=ExitReason.INELIGIBLE, note="lagi")
    assert refused.value.code == "kpm_not_exitable"
    assert len(kpm_events(world.kpm_own)) == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"reason": "lulus"}, "reason"),
        ({"on": date.today() + timedelta(days=2)}, "exit_date"),
        ({"on": date(2019, 12, 31)}, "exit_date"),  # PKH entry is 2020-01-01
        ({"reason": ExitReason.INELIGIBLE, "note": "  "}, "note_required"),
        ({"reason": ExitReason.DUPLICATE, "note": "ganda"}, "duplicate_missing"),
        ({"reason": ExitReason.DUPLICATE, "note": "ganda", "duplicate_of": "TIDAK-ADA"},
         "duplicate_invalid"),
        ({"reason": ExitReason.DUPLICATE, "note": "ganda", "duplicate_of": "KAB-OTHER"},
         "duplicate_invalid"),  # exists, but in another kabupaten
        ({"reason": ExitReason.DUPLICATE, "note": "ganda", "duplicate_of": "KDR-OWN"},
         "duplicate_invalid"),
        ({"reason": ExitReason.DUPLICATE, "duplicate_of": "KDR-SAME"}, "note_required"),
    ],
)  # fmt: skip
def test_a_refused_exit_writes_nothing(world, overrides, code):
    with pytest.raises(DomainError) as refused:
        leave(world, **overrides)

    assert refused.value.code == code
    kpm = Kpm.objects.get(pk=world.kpm_own.pk)
    assert (kpm.status, kpm.exited_on, kpm.exit_reason) == (KpmStatus.ACTIVE, None, "")
    assert kpm_events(kpm) == []


def test_meninggal_is_refused_while_another_member_is_still_active(world):
    child = AnggotaFactory.create(kpm=world.kpm_own, hubungan="anak", nama="Budi Santoso")

    with pytest.raises(DomainError, match="Budi Santoso") as refused:
        leave(world, reason=ExitReason.DIED)

    assert refused.value.code == "members_active"
    assert "halaman anggota" in refused.value.message
    assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.ACTIVE
    assert Anggota.objects.filter(kpm=world.kpm_own, status=MemberStatus.ACTIVE).count() == 2
    child.refresh_from_db()
    assert child.status == MemberStatus.ACTIVE


# Pages ---------------------------------------------------------------------------------------


def exit_url(kpm: Kpm) -> str:
    return reverse("kepesertaan:exit", args=[kpm.kpm_id])


def profile_url(kpm: Kpm) -> str:
    return reverse("kpm:profile", args=[kpm.kpm_id])


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("dinsos_same_kabupaten", True), ("admin", True), ("pendamping_own", False),
     ("kementerian_national", False)],
)  # fmt: skip
def test_the_profile_offers_the_exit_only_to_those_who_may_record_it(client, world, persona, shown):
    client.force_login(PERSONAS[persona](world))

    page = client.get(profile_url(world.kpm_own)).content.decode()

    assert (exit_url(world.kpm_own) in page) is shown
    assert ("Catat KPM keluar" in page) is shown


@pytest.mark.parametrize(
    ("persona", "status"),
    [("dinsos_same_kabupaten", 200), ("admin", 200), ("dinsos_other_kabupaten", 404),
     ("pendamping_own", 403), ("kementerian_national", 403)],
)  # fmt: skip
def test_the_exit_page_answers_by_role_and_scope(client, world, persona, status):
    client.force_login(PERSONAS[persona](world))

    assert client.get(exit_url(world.kpm_own)).status_code == status


def test_recording_an_exit_on_the_page_shows_it_on_the_profile(client, world):
    client.force_login(world.dinsos_kota)
    on = today()

    response = client.post(
        exit_url(world.kpm_own),
        {"reason": "tidak_layak", "tanggal": on.isoformat(), "note": "Sudah mampu"},
    )

    assert response.status_code == 302 and response["Location"] == profile_url(world.kpm_own)
    page = client.get(profile_url(world.kpm_own)).content.decode()
    assert "Keluar dari PKH" in page
    assert on.strftime("%d-%m-%Y") in page
    assert "Tidak memenuhi syarat" in page and "Sudah mampu" in page
    assert f"Tahap {tahap_of(on)} tahun {on.year}" in page
    assert exit_url(world.kpm_own) not in page


def test_a_refused_exit_on_the_page_shows_why_beside_the_field(client, world):
    AnggotaFactory.create(kpm=world.kpm_own, hubungan="anak", nama="Budi Santoso")
    client.force_login(world.dinsos_kota)

    missing_note = client.post(
        exit_url(world.kpm_own), {"reason": "duplikat", "tanggal": today().isoformat()}
    )
    died = client.post(
        exit_url(world.kpm_own), {"reason": "meninggal", "tanggal": today().isoformat()}
    )

    assert missing_note.status_code == 200
    assert missing_note.context["form"].errors.keys() == {"note", "duplicate_of"}
    assert died.status_code == 200
    assert "Budi Santoso" in str(died.context["form"].errors["reason"])
    assert Kpm.objects.get(pk=world.kpm_own.pk).status == KpmStatus.ACTIVE


def test_the_exit_page_of_a_graduated_kpm_offers_no_form(client, world):
    client.force_login(world.dinsos_kota)

    page = client.get(exit_url(world.kpm_graduated)).content.decode()

    assert "hanya KPM aktif atau menunggu" in page and 'name="reason"' not in page
