"""Referrals after graduation: a Dinsos officer of the KPM's kabupaten moves them one step
at a time and adds one per programme with the family's consent; each change audited, each
refusal writing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from config.errors import DomainError
from pemberdayaan.models import Programme, Referral, ReferralStatus
from pemberdayaan.services.referrals import referral_add, referral_status_change
from tests.conftest import World
from tests.pemberdayaan import graduate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
GRADUATED_ON = TODAY - timedelta(days=30)


@pytest.fixture
def ppse(world: World) -> Referral:
    [referral], _ = graduate(world.kpm_own, GRADUATED_ON, actor=world.dinsos_kota, codes=("ppse",))
    return referral


def audit_rows(obj, action=AuditAction.UPDATE) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=obj.pk, action=action
    )
    return list(rows.order_by("id"))


def moved(referral: Referral, actor, *steps: str) -> Referral:
    for step in steps:
        referral = referral_status_change(referral=referral, actor=actor, to=step)
    return referral


@pytest.mark.parametrize(
    "steps",
    [
        ("diterima",),
        ("ditolak",),
        ("diterima", "berjalan"),
        ("diterima", "berjalan", "selesai"),
        ("diterima", "berjalan", "ditolak"),
    ],
)
def test_the_officer_moves_a_referral_along_its_steps(world, ppse, steps):
    moved(ppse, world.dinsos_kota, *steps)
    ppse.refresh_from_db()
    assert ppse.status == steps[-1]
    assert [e.changes["status"][1] for e in audit_rows(ppse)] == list(steps)


def test_a_status_change_records_when_and_the_note(world, ppse):
    before = ppse.status_changed_at
    referral_status_change(
        referral=ppse, actor=world.dinsos_kota, to="diterima", note=" Diterima PPSE tahap 2 "
    )
    ppse.refresh_from_db()
    assert ppse.note == "Diterima PPSE tahap 2"
    assert ppse.status_changed_at > before
    [event] = audit_rows(ppse)
    assert event.actor == world.dinsos_kota
    assert event.changes == {
        "status": ["dirujuk", "diterima"],
        "note": ["", "Diterima PPSE tahap 2"],
    }


@pytest.mark.parametrize(
    ("steps", "to", "code", "words"),
    [
        ((), "berjalan", "status_step", "langkah berikutnya: diterima atau ditolak"),
        ((), "selesai", "status_step", "tidak dapat langsung menjadi selesai"),
        (("diterima",), "ditolak", "status_step", "langkah berikutnya: berjalan"),
        (("diterima",), "diterima", "status_same", "sudah berstatus diterima"),
        (("diterima", "berjalan", "selesai"), "berjalan", "status_final", "tidak dapat diubah"),
        (("ditolak",), "dirujuk", "status_final", "tidak dapat diubah"),
        ((), "hilang", "status", "Pilih status"),
    ],
)
def test_other_jumps_are_refused_with_a_clear_message(world, ppse, steps, to, code, words):
    ppse = moved(ppse, world.dinsos_kota, *steps)
    before = len(audit_rows(ppse))
    with pytest.raises(DomainError) as refused:
        referral_status_change(referral=ppse, actor=world.dinsos_kota, to=to)
    assert refused.value.code == code
    assert words in refused.value.message
    status = ppse.status
    ppse.refresh_from_db()
    assert ppse.status == status and len(audit_rows(ppse)) == before


@pytest.mark.parametrize(
    "persona",
    ["pendamping_kota", "dinsos_kab", "kementerian_national", "kementerian_jatim", "agency",
     "admin"],
)  # fmt: skip
def test_only_a_dinsos_officer_of_the_kabupaten_changes_a_referral(world, ppse, persona):
    who = getattr(world, persona)
    with pytest.raises(DomainError) as refused:
        referral_status_change(referral=ppse, actor=getattr(who, "user", who), to="diterima")
    assert refused.value.code == "forbidden"
    ppse.refresh_from_db()
    assert ppse.status == ReferralStatus.REFERRED


# Adding a referral --------------------------------------------------------------------------


def programme(code: str) -> Programme:
    return Programme.objects.get(code=code)


def test_the_officer_refers_the_family_to_another_programme_with_its_consent(world, ppse):
    consent = TODAY - timedelta(days=1)
    referral = referral_add(
        kpm=world.kpm_own, actor=world.dinsos_kota, programme=programme("kur"),
        consent_on=consent, note="Ingin menambah modal",
    )  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, referral.consent_on, referral.consent_by) == (
        ReferralStatus.REFERRED, consent, world.dinsos_kota,
    )  # fmt: skip
    assert (referral.created_by, referral.proposal, referral.note) == (
        world.dinsos_kota, None, "Ingin menambah modal",
    )  # fmt: skip
    [event] = audit_rows(referral, AuditAction.CREATE)
    assert event.changes["consent_on"] == [None, consent.isoformat()]
    assert event.changes["programme_id"] == [None, programme("kur").pk]


def test_a_second_referral_to_the_same_programme_is_refused(world, ppse):
    with pytest.raises(DomainError) as refused:
        referral_add(
            kpm=world.kpm_own, actor=world.dinsos_kota, programme=programme("ppse"),
            consent_on=TODAY,
        )  # fmt: skip
    assert refused.value.code == "duplicate"
    assert "sudah dirujuk" in refused.value.message
    assert Referral.objects.filter(kpm=world.kpm_own).count() == 1


@pytest.mark.parametrize(
    ("consent_on", "code"),
    [(None, "consent_missing"), (TODAY + timedelta(days=1), "consent_date")],
)
def test_a_missing_or_future_consent_date_is_refused(world, ppse, consent_on, code):
    with pytest.raises(DomainError) as refused:
        referral_add(
            kpm=world.kpm_own, actor=world.dinsos_kota, programme=programme("kur"),
            consent_on=consent_on,
        )  # fmt: skip
    assert refused.value.code == code
    assert not Referral.objects.filter(programme__code="kur").exists()


def test_an_inactive_programme_takes_no_referral(world, ppse):
    Programme.objects.filter(code="kur").update(active=False)
    with pytest.raises(DomainError) as refused:
        referral_add(
            kpm=world.kpm_own, actor=world.dinsos_kota, programme=programme("kur"),
            consent_on=TODAY,
        )  # fmt: skip
    assert refused.value.code == "programme_inactive"


def test_only_a_graduated_family_is_referred(world):
    with pytest.raises(DomainError) as refused:
        referral_add(
            kpm=world.kpm_same_district, actor=world.dinsos_kota, programme=programme("kur"),
            consent_on=TODAY,
        )  # fmt: skip
    assert refused.value.code == "kpm_not_graduated"


@pytest.mark.parametrize("persona", ["pendamping_kota", "dinsos_kab", "kementerian_national"])
def test_only_a_dinsos_officer_of_the_kabupaten_adds_a_referral(world, ppse, persona):
    who = getattr(world, persona)
    with pytest.raises(DomainError) as refused:
        referral_add(
            kpm=world.kpm_own, actor=getattr(who, "user", who), programme=programme("kur"),
            consent_on=TODAY,
        )  # fmt: skip
    assert refused.value.code == "forbidden"
    assert Referral.objects.filter(kpm=world.kpm_own).count() == 1
