"""P2K2 services and the coverage selector: groups, members, meetings, roll-calls."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditAction, AuditEvent
from config.errors import DomainError
from kpm.models import KpmStatus
from pendamping.models import (
    AttendanceStatus,
    MeetingStatus,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Session,
)
from pendamping.selectors import p2k2_coverage
from pendamping.services.p2k2 import (
    p2k2_group_create,
    p2k2_group_set_members,
    p2k2_meeting_hold,
    p2k2_meeting_plan,
)
from tests.conftest import DESA_KOTA_KEDIRI, DESA_KOTA_KEDIRI_2
from tests.factories import KpmFactory
from wilayah.models import Desa

TODAY = date(2026, 11, 20)
HADIR, IZIN, ABSEN = AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT


@pytest.fixture(autouse=True)
def p2k2_catalogue(db):
    """The curriculum a data migration seeds; a live-server test run earlier empties every
    table but the regions, so put it back (the seed is idempotent)."""
    seed = import_module("pendamping.migrations.0004_p2k2_catalogue").seed
    seed(django_apps, None)


@pytest.fixture
def desa(db):
    return Desa.objects.get(pk=DESA_KOTA_KEDIRI)


@pytest.fixture
def neighbours(world):
    """Two more active KPM of pendamping_kota in kpm_own's desa."""
    return [KpmFactory.create(pendamping=world.pendamping_kota) for _ in range(2)]


def create(world, desa, members, *, name="Melati", pendamping=None):
    return p2k2_group_create(
        pendamping=pendamping or world.pendamping_kota,
        name=name,
        desa=desa,
        members=members,
        actor=world.pendamping_kota.user,
    )


def session(module="kesehatan", number=1):
    return P2k2Session.objects.get(module__code=module, number=number)


def plan(world, group, module="kesehatan", number=1, on=date(2026, 11, 5)):
    return p2k2_meeting_plan(
        group=group, session=session(module, number), scheduled_on=on, actor=world.admin
    )


def hold(world, meeting, attendance, *, held_on=date(2026, 11, 6)):
    return p2k2_meeting_hold(
        meeting=meeting,
        held_on=held_on,
        attendance=attendance,
        actor=world.pendamping_kota.user,
        today=TODAY,
    )


# --- groups ----------------------------------------------------------------------------


def test_a_group_is_created_from_the_own_caseload_and_audited(world, desa, neighbours):
    group = create(world, desa, [world.kpm_own, *neighbours])
    assert group.pendamping == world.pendamping_kota and group.desa == desa
    assert set(group.members.all()) == {world.kpm_own, *neighbours}
    event = AuditEvent.objects.get(object_type="pendamping.p2k2group", action=AuditAction.CREATE)
    assert event.changes["name"] == [None, "Melati"]
    assert event.changes["members"][1] == sorted(k.kpm_id for k in [world.kpm_own, *neighbours])


def test_a_kpm_outside_the_own_caseload_is_refused(world, desa):
    with pytest.raises(DomainError) as refused:
        create(world, desa, [world.kpm_own, world.kpm_same_district])
    assert refused.value.code == "not_in_caseload"
    assert "KDR-SAME" in refused.value.message
    assert not P2k2Group.objects.exists()


def test_a_graduated_kpm_is_refused(world, desa):
    with pytest.raises(DomainError) as refused:
        create(world, desa, [world.kpm_graduated])
    assert refused.value.code == "not_in_caseload"


def test_an_own_kpm_of_another_desa_is_refused(world, desa):
    elsewhere = KpmFactory.create(pendamping=world.pendamping_kota, desa_code=DESA_KOTA_KEDIRI_2)
    with pytest.raises(DomainError) as refused:
        create(world, desa, [world.kpm_own, elsewhere])
    assert refused.value.code == "other_desa"


def test_a_desa_without_own_kpm_is_refused(world):
    other = Desa.objects.get(pk=DESA_KOTA_KEDIRI_2)
    with pytest.raises(DomainError) as refused:
        create(world, other, [])
    assert refused.value.code == "desa_outside_caseload"


def test_a_name_is_needed_and_unique_per_pendamping(world, desa, neighbours):
    with pytest.raises(DomainError) as refused:
        create(world, desa, [world.kpm_own], name="   ")
    assert refused.value.code == "name_missing"
    create(world, desa, [world.kpm_own])
    with pytest.raises(DomainError) as refused:
        create(world, desa, neighbours)
    assert refused.value.code == "name_taken"
    assert P2k2Group.objects.count() == 1


def test_an_inactive_pendamping_cannot_start_a_group(world, desa):
    world.pendamping_kota.is_active = False
    world.pendamping_kota.save()
    with pytest.raises(DomainError) as refused:
        create(world, desa, [world.kpm_own])
    assert refused.value.code == "pendamping_inactive"


def test_members_are_replaced_and_audited_before_and_after(world, desa, neighbours):
    group = create(world, desa, [world.kpm_own, neighbours[0]])
    p2k2_group_set_members(group=group, members=neighbours, actor=world.pendamping_kota.user)
    assert set(group.members.all()) == set(neighbours)
    event = AuditEvent.objects.get(object_type="pendamping.p2k2group", action=AuditAction.UPDATE)
    before, after = event.changes["members"]
    assert before == sorted([world.kpm_own.kpm_id, neighbours[0].kpm_id])
    assert after == sorted(k.kpm_id for k in neighbours)


def test_setting_the_same_members_writes_no_audit(world, desa):
    group = create(world, desa, [world.kpm_own])
    p2k2_group_set_members(group=group, members=[world.kpm_own], actor=world.admin)
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_adding_someone_elses_kpm_is_refused(world, desa):
    group = create(world, desa, [world.kpm_own])
    with pytest.raises(DomainError) as refused:
        p2k2_group_set_members(
            group=group, members=[world.kpm_own, world.kpm_same_district], actor=world.admin
        )
    assert refused.value.code == "not_in_caseload"
    assert list(group.members.all()) == [world.kpm_own]


def test_a_member_who_graduated_may_stay_or_be_removed(world, desa, neighbours):
    group = create(world, desa, neighbours)
    neighbours[0].status = KpmStatus.GRADUATED
    neighbours[0].save()
    p2k2_group_set_members(group=group, members=neighbours, actor=world.admin)
    p2k2_group_set_members(group=group, members=neighbours[1:], actor=world.admin)
    assert list(group.members.all()) == [neighbours[1]]


# --- meetings --------------------------------------------------------------------------


def test_a_planned_meeting_is_audited(world, desa):
    group = create(world, desa, [world.kpm_own])
    meeting = plan(world, group)
    assert meeting.status == MeetingStatus.PLANNED and meeting.session == session()
    event = AuditEvent.objects.get(object_type="pendamping.p2k2meeting")
    assert event.changes["scheduled_on"] == [None, "2026-11-05"]


def test_holding_a_meeting_records_every_member_and_marks_it_held(world, desa, neighbours):
    group = create(world, desa, [world.kpm_own, *neighbours])
    meeting = plan(world, group)
    roll = {world.kpm_own.pk: HADIR, neighbours[0].pk: IZIN, neighbours[1].pk: ABSEN}
    hold(world, meeting, roll)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.scheduled_on == date(2026, 11, 6)
    assert dict(meeting.attendance.values_list("kpm_id", "status")) == roll
    created = AuditEvent.objects.filter(object_type="pendamping.p2k2attendance")
    assert created.count() == 3
    held = AuditEvent.objects.get(object_type="pendamping.p2k2meeting", action=AuditAction.UPDATE)
    assert held.changes == {
        "status": ["direncanakan", "terlaksana"],
        "scheduled_on": ["2026-11-05", "2026-11-06"],
    }


def test_a_held_roll_call_is_corrected_with_before_and_after(world, desa, neighbours):
    group = create(world, desa, [world.kpm_own, *neighbours])
    meeting = plan(world, group)
    roll = {world.kpm_own.pk: HADIR, neighbours[0].pk: HADIR, neighbours[1].pk: HADIR}
    hold(world, meeting, roll)
    events = AuditEvent.objects.count()
    hold(world, meeting, {**roll, neighbours[1].pk: IZIN})
    assert P2k2Attendance.objects.get(kpm=neighbours[1]).status == IZIN
    assert P2k2Attendance.objects.count() == 3
    (correction,) = AuditEvent.objects.order_by("id")[events:]
    assert correction.object_type == "pendamping.p2k2attendance"
    assert correction.changes == {"status": ["hadir", "izin"]}


def test_a_future_held_date_is_refused(world, desa):
    meeting = plan(world, create(world, desa, [world.kpm_own]))
    with pytest.raises(DomainError) as refused:
        hold(world, meeting, {world.kpm_own.pk: HADIR}, held_on=date(2026, 11, 21))
    assert refused.value.code == "future_date"
    hold(world, meeting, {world.kpm_own.pk: HADIR}, held_on=TODAY)


def test_a_kpm_not_in_the_group_is_refused(world, desa, neighbours):
    meeting = plan(world, create(world, desa, [world.kpm_own]))
    with pytest.raises(DomainError) as refused:
        hold(world, meeting, {world.kpm_own.pk: HADIR, neighbours[0].pk: HADIR})
    assert refused.value.code == "not_in_group"
    assert neighbours[0].kpm_id in refused.value.message
    assert not P2k2Attendance.objects.exists()


def test_an_unknown_status_is_refused(world, desa):
    meeting = plan(world, create(world, desa, [world.kpm_own]))
    with pytest.raises(DomainError) as refused:
        hold(world, meeting, {world.kpm_own.pk: "terlambat"})
    assert refused.value.code == "unknown_status"
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_a_roll_call_missing_a_member_is_refused(world, desa, neighbours):
    meeting = plan(world, create(world, desa, [world.kpm_own, *neighbours]))
    with pytest.raises(DomainError) as refused:
        hold(world, meeting, {world.kpm_own.pk: HADIR})
    assert refused.value.code == "roll_incomplete"


def test_a_cancelled_meeting_cannot_be_held(world, desa):
    meeting = plan(world, create(world, desa, [world.kpm_own]))
    P2k2Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.CANCELLED)
    with pytest.raises(DomainError) as refused:
        hold(world, meeting, {world.kpm_own.pk: HADIR})
    assert refused.value.code == "meeting_cancelled"


def test_a_former_member_already_recorded_can_still_be_corrected(world, desa, neighbours):
    group = create(world, desa, [world.kpm_own, neighbours[0]])
    meeting = plan(world, group)
    hold(world, meeting, {world.kpm_own.pk: HADIR, neighbours[0].pk: HADIR})
    p2k2_group_set_members(group=group, members=[world.kpm_own], actor=world.admin)
    hold(world, meeting, {world.kpm_own.pk: HADIR, neighbours[0].pk: ABSEN})
    assert P2k2Attendance.objects.get(kpm=neighbours[0]).status == ABSEN


# --- coverage --------------------------------------------------------------------------


def _held(world, group, module, number, roll, *, status=MeetingStatus.HELD):
    meeting = P2k2Meeting.objects.create(
        group=group, session=session(module, number), scheduled_on=date(2026, 10, 1), status=status
    )
    P2k2Attendance.objects.bulk_create(
        P2k2Attendance(meeting=meeting, kpm=kpm, status=s) for kpm, s in roll.items()
    )


def test_coverage_counts_distinct_sessions_attended_per_module(world, desa, neighbours):
    a, b = neighbours
    group = create(world, desa, [a, b, world.kpm_own])
    _held(world, group, "kesehatan", 1, {a: HADIR, b: IZIN})
    _held(world, group, "kesehatan", 1, {a: HADIR, b: HADIR})  # the same session again
    _held(world, group, "kesehatan", 2, {a: HADIR, b: ABSEN})
    _held(world, group, "ekonomi", 3, {a: IZIN, b: HADIR})
    _held(world, group, "ekonomi", 1, {a: HADIR}, status=MeetingStatus.PLANNED)  # not held
    coverage = p2k2_coverage([a.pk, b.pk, world.kpm_own.pk])
    assert coverage[a.pk] == {
        "pengasuhan": (0, 4),
        "ekonomi": (0, 3),
        "kesehatan": (2, 4),
        "perlindungan": (0, 2),
        "kesos": (0, 2),
    }
    assert coverage[b.pk]["kesehatan"] == (1, 4)
    assert coverage[b.pk]["ekonomi"] == (1, 3)
    assert set(coverage[world.kpm_own.pk].values()) == {(0, 4), (0, 3), (0, 2)}


def test_coverage_is_two_queries_however_many_kpm(world, desa):
    members = [KpmFactory.create(pendamping=world.pendamping_kota) for _ in range(12)]
    group = create(world, desa, members)
    for number in (1, 2, 3):
        _held(world, group, "pengasuhan", number, dict.fromkeys(members, HADIR))
    with CaptureQueriesContext(connection) as ctx:
        coverage = p2k2_coverage([k.pk for k in members])
    assert len(ctx.captured_queries) == 2
    assert all(c["pengasuhan"] == (3, 4) for c in coverage.values())
    assert p2k2_coverage([]) == {}
