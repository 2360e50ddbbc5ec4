"""What an approval does beyond the proposal: the KPM's graduation date, type and last tahap
paid, the referrals the family consented to, the follow-ups at 6 and 12 months, and the notice
that tells the pendamping each decision."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from audit.models import AuditEvent
from config.errors import DomainError
from graduasi.models import GraduationType, Proposal
from graduasi.models import ProposalStatus as S
from graduasi.rules import tahap_of
from graduasi.services.proposals import (
    proposal_approve,
    proposal_attach_statement,
    proposal_draft,
    proposal_reject,
    proposal_return,
    proposal_submit,
    proposal_update,
)
from kpm.models import KpmStatus
from pemberdayaan.models import FollowUp, Programme, Referral, ReferralStatus
from pemberdayaan.services.handover import follow_up_due
from pengguna.models import Notice, Role
from tests.conftest import KOTA_KEDIRI, World, make_user

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def programmes(*codes: str) -> list[Programme]:
    return list(Programme.objects.filter(code__in=codes).order_by("code"))


def submitted(world: World, *, codes=("ppse", "pnm-mekaar"), consent_on=None) -> Proposal:
    user = world.pendamping_kota.user
    proposal = proposal_draft(
        kpm=world.kpm_own, actor=user, type=GraduationType.MANDIRI,
        programmes=programmes(*codes), consent_on=consent_on or timezone.localdate(),
    )  # fmt: skip
    pdf = SimpleUploadedFile("pernyataan.pdf", PDF)
    proposal_attach_statement(proposal=proposal, actor=user, file=pdf)
    return proposal_submit(proposal=proposal, actor=user)


@pytest.mark.parametrize(
    ("graduated_on", "months", "due"),
    [
        (date(2026, 11, 23), 6, date(2027, 5, 23)),
        (date(2026, 11, 23), 12, date(2027, 11, 23)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # February has no 31st: its last day
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # a leap year's last day of February
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
    ],
)
def test_a_follow_up_falls_due_the_same_day_months_later(graduated_on, months, due):
    assert follow_up_due(graduated_on, months) == due


def test_the_seeded_catalogue_holds_the_programmes_the_ministry_refers_to(db):
    rows = {p.code: (p.kind, p.amount) for p in Programme.objects.all()}
    assert rows["ppse"] == ("hibah", 5_000_000)
    assert {"pena", "pnm-mekaar", "kur", "pelatihan-kemenkopukm", "kemenko-pm"} <= set(rows)


def test_approval_graduates_the_kpm_today_paid_through_this_tahap(world):
    proposal = submitted(world)
    proposal_approve(proposal=proposal, officer=world.dinsos_kota)
    kpm = world.kpm_own
    kpm.refresh_from_db()
    today = timezone.localdate()
    assert (kpm.status, kpm.graduated_on, kpm.graduation_type) == (
        KpmStatus.GRADUATED, today, GraduationType.MANDIRI,
    )  # fmt: skip
    assert (kpm.last_paid_year, kpm.last_paid_tahap) == (today.year, tahap_of(today))
    change = AuditEvent.objects.get(object_type="kpm.kpm", object_id=str(kpm.pk)).changes
    assert change["graduated_on"] == [None, today.isoformat()]
    assert change["graduation_type"] == ["", GraduationType.MANDIRI]


def test_approval_refers_the_family_to_each_programme_it_consented_to(world):
    consent = timezone.localdate() - timedelta(days=3)
    proposal = submitted(world, consent_on=consent)
    proposal_approve(proposal=proposal, officer=world.dinsos_kota)
    rows = Referral.objects.filter(kpm=world.kpm_own).order_by("programme__code")
    assert [(r.programme.code, r.status, r.consent_on) for r in rows] == [
        ("pnm-mekaar", ReferralStatus.REFERRED, consent),
        ("ppse", ReferralStatus.REFERRED, consent),
    ]
    assert {r.consent_by for r in rows} == {world.pendamping_kota.user}
    assert {r.proposal_id for r in rows} == {proposal.pk}
    audited = AuditEvent.objects.filter(
        object_type="pemberdayaan.referral", actor=world.dinsos_kota
    )
    assert audited.count() == 2


def test_approval_schedules_follow_ups_at_6_and_12_months(world):
    proposal_approve(proposal=submitted(world), officer=world.dinsos_kota)
    today = timezone.localdate()
    rows = FollowUp.objects.filter(kpm=world.kpm_own).order_by("months_after")
    assert [(f.months_after, f.due_on, f.done_on) for f in rows] == [
        (6, follow_up_due(today, 6), None),
        (12, follow_up_due(today, 12), None),
    ]
    assert AuditEvent.objects.filter(object_type="pemberdayaan.followup").count() == 2


def test_a_family_that_chose_no_programme_is_graduated_without_referrals(world):
    proposal_approve(proposal=submitted(world, codes=()), officer=world.dinsos_kota)
    assert not Referral.objects.filter(kpm=world.kpm_own).exists()
    assert FollowUp.objects.filter(kpm=world.kpm_own).count() == 2


def test_a_rejection_or_a_return_neither_graduates_nor_refers(world):
    proposal = submitted(world)
    proposal_return(proposal=proposal, officer=world.dinsos_kota, note="Lampirkan KTP")
    proposal_submit(proposal=proposal, actor=world.pendamping_kota.user)
    proposal_reject(proposal=proposal, officer=world.dinsos_kota, reason="Belum siap")
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.status == KpmStatus.ACTIVE and world.kpm_own.graduated_on is None
    assert not Referral.objects.exists() and not FollowUp.objects.exists()


# Consent -------------------------------------------------------------------------------------


def test_programmes_without_a_consent_date_are_refused_and_nothing_is_saved(world):
    with pytest.raises(DomainError) as refused:
        proposal_draft(
            kpm=world.kpm_own, actor=world.pendamping_kota.user, type=GraduationType.MANDIRI,
            programmes=programmes("ppse"), consent_on=None,
        )  # fmt: skip
    assert refused.value.code == "consent_missing"
    assert not Proposal.objects.exists()


def test_a_consent_date_in_the_future_is_refused(world):
    with pytest.raises(DomainError) as refused:
        proposal_draft(
            kpm=world.kpm_own, actor=world.pendamping_kota.user, type=GraduationType.MANDIRI,
            programmes=programmes("ppse"), consent_on=timezone.localdate() + timedelta(days=1),
        )  # fmt: skip
    assert refused.value.code == "consent_date"


def test_a_programme_closed_to_referrals_is_refused(world):
    Programme.objects.filter(code="kur").update(active=False)
    with pytest.raises(DomainError, match="KUR") as refused:
        submitted(world, codes=("kur",))
    assert refused.value.code == "programme_inactive"


def test_a_returned_proposal_is_revised_with_its_programmes_and_audited(world):
    proposal = submitted(world, codes=("ppse",))
    proposal_return(proposal=proposal, officer=world.dinsos_kota, note="Tambah rujukan")
    revised = proposal_update(
        proposal=proposal, actor=world.pendamping_kota.user, type=GraduationType.MANDIRI,
        justification="Usaha warung stabil", programmes=programmes("ppse", "kur"),
        consent_on=timezone.localdate(),
    )  # fmt: skip
    assert sorted(revised.referral_programmes.values_list("code", flat=True)) == ["kur", "ppse"]
    last = AuditEvent.objects.filter(object_type="graduasi.proposal").latest("id").changes
    assert last["referral_programmes"] == [["ppse"], ["kur", "ppse"]]
    assert last["justification"] == ["", "Usaha warung stabil"]


def test_a_submitted_proposal_cannot_be_revised(world):
    proposal = submitted(world)
    with pytest.raises(DomainError) as refused:
        proposal_update(
            proposal=proposal, actor=world.pendamping_kota.user, type=GraduationType.MANDIRI,
            justification="Ubah",
        )  # fmt: skip
    assert refused.value.code == "not_open"


# Notices -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decide", "words"),
    [
        (lambda p, w: proposal_approve(proposal=p, officer=w.dinsos_kota), "disetujui"),
        (
            lambda p, w: proposal_reject(proposal=p, officer=w.dinsos_kota, reason="Belum siap"),
            "ditolak: Belum siap",
        ),
        (
            lambda p, w: proposal_return(proposal=p, officer=w.dinsos_kota, note="Foto buram"),
            "dikembalikan untuk diperbaiki: Foto buram",
        ),
    ],
)
def test_each_decision_reaches_the_pendamping_as_a_notice(world, decide, words):
    proposal = submitted(world)
    decide(proposal, world)
    notice = Notice.objects.get()
    assert notice.user == world.pendamping_kota.user
    assert notice.message == f"Usulan graduasi KPM KDR-OWN {words}" + (
        "." if words == "disetujui" else ""
    )
    assert notice.link == f"/usulan/{proposal.pk}/"


def test_a_decision_is_mailed_when_email_is_configured(
    world, settings, django_capture_on_commit_callbacks
):
    settings.NOTICE_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = world.pendamping_kota.user
    user.email = "pendamping@example.go.id"
    user.save(update_fields=["email"])
    proposal = submitted(world)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_approve(proposal=proposal, officer=world.dinsos_kota)
    assert [m.to for m in mail.outbox] == [["pendamping@example.go.id"]]
    assert "KDR-OWN disetujui" in mail.outbox[0].body


def test_no_mail_leaves_without_email_configured(
    world, settings, django_capture_on_commit_callbacks
):
    settings.NOTICE_EMAIL = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.pendamping_kota.user.email = "pendamping@example.go.id"
    world.pendamping_kota.user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        proposal_approve(proposal=submitted(world), officer=world.dinsos_kota)
    assert mail.outbox == []
    assert Notice.objects.filter(user=world.pendamping_kota.user).count() == 1


def test_a_refused_decision_leaves_no_notice(world):
    proposal = submitted(world)
    with pytest.raises(DomainError):
        proposal_reject(proposal=proposal, officer=world.dinsos_kota, reason=" ")
    with pytest.raises(DomainError):
        proposal_approve(proposal=proposal, officer=world.dinsos_kab)
    assert not Notice.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).status == S.SUBMITTED


def test_the_conflict_message_names_the_decision_in_the_users_language(world):
    proposal = submitted(world)
    proposal_approve(proposal=proposal, officer=world.dinsos_kota)
    second = make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        proposal_reject(proposal=proposal, officer=second, reason="Tidak")
    assert refused.value.code == "conflict"
    assert " approved by " in str(refused.value)
