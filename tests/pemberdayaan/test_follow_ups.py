"""Recording a follow-up visit: who may, which dates and values are refused, the audit row,
corrections, and the fall-back risk recomputed once it commits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from config.errors import DomainError
from kpm.models import KpmStatus
from pemberdayaan.models import BusinessStatus, FollowUp
from pemberdayaan.services.follow_ups import follow_up_record
from tests.conftest import World
from tests.pemberdayaan import graduate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
GRADUATED_ON = TODAY - timedelta(days=200)


@pytest.fixture
def six(world: World) -> FollowUp:
    _, (six, _) = graduate(world.kpm_own, GRADUATED_ON, actor=world.dinsos_kota)
    return six


def record(follow_up: FollowUp, actor, **changes) -> FollowUp:
    values = {
        "done_on": TODAY - timedelta(days=2),
        "monthly_income": 1_500_000,
        "member_count": 4,
        "business_status": BusinessStatus.RUNNING,
        "note": "Warung berjalan",
    }
    return follow_up_record(follow_up=follow_up, actor=actor, **{**values, **changes})


def audit_rows(follow_up: FollowUp) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(object_type="pemberdayaan.followup", object_id=follow_up.pk)
    return list(rows.filter(action=AuditAction.UPDATE).order_by("id"))


def test_the_pendamping_records_the_visit_and_it_is_audited(world, six):
    saved = record(six, world.pendamping_kota.user)

    six.refresh_from_db()
    assert (six.done_on, six.monthly_income, six.member_count, six.business_status) == (
        TODAY - timedelta(days=2), 1_500_000, 4, "berjalan",
    )  # fmt: skip
    assert (six.note, six.recorded_by) == ("Warung berjalan", world.pendamping_kota.user)
    assert saved.recorded_at is not None
    [event] = audit_rows(six)
    assert event.actor == world.pendamping_kota.user
    assert event.changes["done_on"] == [None, (TODAY - timedelta(days=2)).isoformat()]
    assert event.changes["monthly_income"] == [None, 1_500_000]


def test_a_dinsos_officer_of_the_kabupaten_may_record_it(world, six):
    record(six, world.dinsos_kota)
    six.refresh_from_db()
    assert six.recorded_by == world.dinsos_kota


@pytest.mark.parametrize(
    "persona", ["pendamping_kota_other", "pendamping_kab", "dinsos_kab", "kementerian_national",
                "agency", "admin"],
)  # fmt: skip
def test_anyone_else_is_refused_and_nothing_is_written(world, six, persona):
    who = getattr(world, persona)
    with pytest.raises(DomainError) as refused:
        record(six, getattr(who, "user", who))
    assert refused.value.code == "forbidden"
    six.refresh_from_db()
    assert six.done_on is None and audit_rows(six) == []


def test_an_inactive_pendamping_is_refused(world, six):
    user = world.pendamping_kota.user
    user.is_active = False
    user.save()
    with pytest.raises(DomainError):
        record(six, user)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"done_on": TODAY + timedelta(days=1)}, "done_on"),
        ({"done_on": GRADUATED_ON - timedelta(days=1)}, "done_on"),
        ({"monthly_income": -1}, "monthly_income"),
        ({"member_count": 0}, "member_count"),
        ({"member_count": 100}, "member_count"),
        ({"business_status": "kaya"}, "business_status"),
    ],
)
def test_impossible_values_are_refused(world, six, changes, code):
    with pytest.raises(DomainError) as refused:
        record(six, world.pendamping_kota.user, **changes)
    assert refused.value.code == code
    six.refresh_from_db()
    assert six.done_on is None


def test_the_graduation_day_itself_may_be_the_visit_day(world, six):
    record(six, world.pendamping_kota.user, done_on=GRADUATED_ON)
    six.refresh_from_db()
    assert six.done_on == GRADUATED_ON


def test_a_kpm_no_longer_graduated_takes_no_follow_up(world, six):
    world.kpm_own.status = KpmStatus.ACTIVE
    world.kpm_own.save()
    with pytest.raises(DomainError) as refused:
        record(six, world.pendamping_kota.user)
    assert refused.value.code == "kpm_not_graduated"


def test_a_done_follow_up_is_corrected_and_the_correction_audited(world, six):
    record(six, world.pendamping_kota.user)
    record(six, world.dinsos_kota, monthly_income=1_200_000)

    six.refresh_from_db()
    assert (six.monthly_income, six.recorded_by) == (1_200_000, world.dinsos_kota)
    _first, second = audit_rows(six)
    assert second.actor == world.dinsos_kota
    assert second.changes == {"monthly_income": [1_500_000, 1_200_000]}


def test_saving_the_same_values_again_writes_no_audit_row(world, six):
    record(six, world.pendamping_kota.user)
    record(six, world.pendamping_kota.user)
    assert len(audit_rows(six)) == 1


def test_recording_below_the_line_flags_the_family_once_it_commits(
    world, six, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(six, world.pendamping_kota.user, monthly_income=800_000)

    world.kpm_own.refresh_from_db()
    assert world.kpm_own.at_risk is True
    [reason] = world.kpm_own.risk_reasons
    assert (reason["code"], reason["income_per_member"]) == ("income_below_line", 200_000)


def test_a_correction_above_the_line_clears_the_flag(
    world, six, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(six, world.pendamping_kota.user, monthly_income=800_000)
    with django_capture_on_commit_callbacks(execute=True):
        record(six, world.pendamping_kota.user, monthly_income=3_000_000)

    world.kpm_own.refresh_from_db()
    assert (world.kpm_own.at_risk, world.kpm_own.risk_reasons) == (False, [])


def test_the_due_dates_do_not_limit_when_a_visit_is_recorded(world):
    _, (six, _) = graduate(world.kpm_own, TODAY, actor=world.dinsos_kota)
    record(six, world.pendamping_kota.user, done_on=TODAY)
    six.refresh_from_db()
    assert six.done_on == TODAY and six.due_on > TODAY
