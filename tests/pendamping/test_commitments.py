"""commitment_record: rows per member and month, audit, refusals, and the KPM's flag."""

from datetime import date

import pytest

from audit.models import AuditAction, AuditEvent
from config.errors import DomainError
from kpm.models import KpmStatus, MemberStatus, Relationship, SchoolLevel, Sex
from pendamping.models import CommitmentKind, CommitmentVerification
from pendamping.rules import Commitment, CommitmentFact
from pendamping.selectors import commitment_grid, commitment_members
from pendamping.services.commitments import commitment_record
from tests.factories import AnggotaFactory

TODAY = date(2026, 11, 20)
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


def child(kpm, *, level=SchoolLevel.SD, born=date(2016, 5, 1), **extra):
    return AnggotaFactory(
        kpm=kpm,
        hubungan=Relationship.CHILD,
        jenis_kelamin=Sex.MALE,
        tanggal_lahir=born,
        jenjang_sekolah=level,
        **extra,
    )


def toddler(kpm):
    return child(kpm, level=SchoolLevel.NONE, born=date(2024, 3, 1))


def elder(kpm):
    return AnggotaFactory(kpm=kpm, hubungan=Relationship.PARENT, tanggal_lahir=date(1950, 1, 1))


def record(world, entries, *, month=OCT, kpm=None, actor=None):
    return commitment_record(
        kpm=kpm or world.kpm_own,
        month=month,
        entries=entries,
        actor=actor or world.pendamping_kota.user,
        today=TODAY,
    )


def test_members_owe_the_commitment_of_their_component(world):
    pupil, small, old = child(world.kpm_own), toddler(world.kpm_own), elder(world.kpm_own)
    child(world.kpm_own, status=MemberStatus.MOVED)
    owed = {a.pk: kind for a, kind in commitment_members(world.kpm_own, month=OCT)}
    assert owed == {pupil.pk: Commitment.SCHOOL, small.pk: Commitment.HEALTH}
    assert old.pk not in owed


def test_recording_writes_one_row_per_member_with_compliance_from_the_rule(world):
    pupil, small = child(world.kpm_own), toddler(world.kpm_own)
    result = record(
        world,
        {
            pupil.pk: CommitmentFact(attendance_pct=85),
            small.pk: CommitmentFact(checkup_done=True),
        },
    )
    rows = {cv.anggota_id: cv for cv in CommitmentVerification.objects.filter(month=OCT)}
    assert rows[pupil.pk].kind == CommitmentKind.SCHOOL
    assert rows[pupil.pk].attendance_pct == 85 and rows[pupil.pk].compliant is True
    assert rows[small.pk].kind == CommitmentKind.HEALTH
    assert rows[small.pk].checkup_done is True and rows[small.pk].compliant is True
    assert rows[pupil.pk].recorded_by == world.pendamping_kota.user
    assert result.written == 2 and result.noncompliant is False
    created = AuditEvent.objects.filter(
        object_type="pendamping.commitmentverification", action=AuditAction.CREATE
    )
    assert created.count() == 2
    assert created.get(object_id=str(rows[pupil.pk].pk)).changes["attendance_pct"] == [None, 85]


def test_a_miss_flags_the_kpm_and_a_later_compliant_month_clears_it(world):
    pupil = child(world.kpm_own)
    result = record(world, {pupil.pk: CommitmentFact(attendance_pct=84)})
    world.kpm_own.refresh_from_db()
    assert result.noncompliant is True and world.kpm_own.noncompliant is True
    flag_events = AuditEvent.objects.filter(object_type="kpm.kpm", object_id=str(world.kpm_own.pk))
    assert flag_events.get().changes == {"noncompliant": [False, True]}

    record(world, {pupil.pk: CommitmentFact(attendance_pct=100)}, month=NOV)
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.noncompliant is False
    assert flag_events.count() == 2
    assert flag_events.order_by("id").last().changes == {"noncompliant": [True, False]}


def test_an_older_miss_does_not_flag_a_kpm_whose_latest_month_complies(world):
    pupil = child(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=95)}, month=NOV)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=10)}, month=OCT)
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.noncompliant is False


def test_one_missed_check_up_among_compliant_members_flags_the_kpm(world):
    pupil, small = child(world.kpm_own), toddler(world.kpm_own)
    record(
        world,
        {
            pupil.pk: CommitmentFact(attendance_pct=99),
            small.pk: CommitmentFact(checkup_done=False),
        },
    )
    world.kpm_own.refresh_from_db()
    assert world.kpm_own.noncompliant is True


def test_correcting_a_month_updates_the_row_and_audits_before_and_after(world):
    pupil = child(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=70)})
    record(world, {pupil.pk: CommitmentFact(attendance_pct=90)}, actor=world.dinsos_kota)
    row = CommitmentVerification.objects.get()
    assert (row.attendance_pct, row.compliant, row.recorded_by) == (90, True, world.dinsos_kota)
    update = AuditEvent.objects.get(
        object_type="pendamping.commitmentverification", action=AuditAction.UPDATE
    )
    assert update.changes == {"attendance_pct": [70, 90], "compliant": [False, True]}
    assert update.actor == world.dinsos_kota


def test_saving_the_same_facts_again_writes_nothing(world):
    pupil = child(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=90)})
    events = AuditEvent.objects.count()
    result = record(world, {pupil.pk: CommitmentFact(attendance_pct=90)})
    assert result.written == 0
    assert AuditEvent.objects.count() == events


def test_an_empty_entry_is_skipped(world):
    pupil, small = child(world.kpm_own), toddler(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=90), small.pk: CommitmentFact()})
    assert list(CommitmentVerification.objects.values_list("anggota_id", flat=True)) == [pupil.pk]


@pytest.mark.parametrize("pct", [-1, 101, 250])
def test_attendance_out_of_range_is_refused_and_nothing_is_saved(world, pct):
    pupil, small = child(world.kpm_own), toddler(world.kpm_own)
    with pytest.raises(DomainError) as refused:
        record(
            world,
            {
                small.pk: CommitmentFact(checkup_done=True),
                pupil.pk: CommitmentFact(attendance_pct=pct),
            },
        )
    assert refused.value.code == "attendance_range"
    assert pupil.nama in refused.value.message
    assert not CommitmentVerification.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_future_month_is_refused(world):
    pupil = child(world.kpm_own)
    with pytest.raises(DomainError) as refused:
        record(world, {pupil.pk: CommitmentFact(attendance_pct=90)}, month=date(2026, 12, 1))
    assert refused.value.code == "future_month"
    record(world, {pupil.pk: CommitmentFact(attendance_pct=90)}, month=date(2026, 11, 30))
    assert CommitmentVerification.objects.get().month == NOV


def test_a_member_of_another_kpm_is_refused(world):
    other = child(world.kpm_same_district)
    with pytest.raises(DomainError) as refused:
        record(world, {other.pk: CommitmentFact(attendance_pct=90)})
    assert refused.value.code == "not_member"
    assert "KDR-OWN" in refused.value.message
    assert not CommitmentVerification.objects.exists()


def test_a_member_without_a_commitment_is_refused(world):
    old = elder(world.kpm_own)
    with pytest.raises(DomainError) as refused:
        record(world, {old.pk: CommitmentFact(checkup_done=True)})
    assert refused.value.code == "not_owed"


def test_a_health_member_needs_a_yes_or_no(world):
    small = toddler(world.kpm_own)
    with pytest.raises(DomainError) as refused:
        record(world, {small.pk: CommitmentFact(attendance_pct=90)})
    assert refused.value.code == "checkup_missing"


def test_an_inactive_kpm_is_refused(world):
    pupil = child(world.kpm_graduated)
    assert world.kpm_graduated.status == KpmStatus.GRADUATED
    with pytest.raises(DomainError) as refused:
        record(world, {pupil.pk: CommitmentFact(attendance_pct=90)}, kpm=world.kpm_graduated)
    assert refused.value.code == "kpm_inactive"


def test_the_grid_shows_this_month_and_six_months_of_history(world):
    pupil = child(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=50)}, month=date(2026, 6, 1))
    record(world, {pupil.pk: CommitmentFact(attendance_pct=90)}, month=NOV)
    (row,) = commitment_grid(world.kpm_own, month=NOV)
    assert row.anggota == pupil and row.kind == Commitment.SCHOOL
    assert row.current is not None and row.current.attendance_pct == 90
    assert [m for m, _ in row.history] == [date(2026, m, 1) for m in range(6, 12)]
    assert [c for _, c in row.history] == [False, None, None, None, None, True]


def test_the_attendance_threshold_follows_the_policy_in_force(world):
    """A ministry change of the 85% threshold applies to months from its date on."""
    from dataclasses import asdict

    from graduasi.models import PolicyVersion
    from graduasi.selectors import policy_from

    seeded = PolicyVersion.objects.order_by("valid_from")[0]
    values = {**asdict(policy_from(seeded)), "min_school_attendance_pct": 80}
    PolicyVersion.objects.create(valid_from=NOV, source="uji", **values)
    pupil = child(world.kpm_own)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=82)}, month=OCT)
    record(world, {pupil.pk: CommitmentFact(attendance_pct=82)}, month=NOV)
    rows = dict(CommitmentVerification.objects.values_list("month", "compliant"))
    assert rows == {OCT: False, NOV: True}
