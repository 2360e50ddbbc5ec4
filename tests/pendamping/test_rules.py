"""Commitment and P2K2 rules: table-driven, no database."""

from datetime import date

import pytest

from pendamping.models import CommitmentKind
from pendamping.rules import (
    MIN_SCHOOL_ATTENDANCE_PCT,
    Commitment,
    CommitmentFact,
    attendance_in_range,
    commitment_compliant,
    commitment_owed,
    coverage_pct,
    kpm_noncompliant,
    month_add,
    month_start,
    months_back,
)


@pytest.mark.parametrize(
    ("component", "owed"),
    [
        ("sd", Commitment.SCHOOL),
        ("smp", Commitment.SCHOOL),
        ("sma", Commitment.SCHOOL),
        ("ibu_hamil", Commitment.HEALTH),
        ("anak_usia_dini", Commitment.HEALTH),
        ("lansia", None),
        ("disabilitas_berat", None),
        (None, None),
    ],
)
def test_the_commitment_a_member_owes_follows_the_component(component, owed):
    assert commitment_owed(component) == owed


@pytest.mark.parametrize(
    ("pct", "compliant"),
    [(0, False), (84, False), (85, True), (86, True), (100, True)],
)
def test_school_attendance_complies_from_85_percent(pct, compliant):
    fact = CommitmentFact(attendance_pct=pct)
    assert commitment_compliant(Commitment.SCHOOL, fact) is compliant


def test_the_attendance_threshold_is_the_design_value_and_can_be_changed():
    assert MIN_SCHOOL_ATTENDANCE_PCT == 85
    fact = CommitmentFact(attendance_pct=80)
    assert commitment_compliant(Commitment.SCHOOL, fact, min_attendance_pct=80) is True
    assert commitment_compliant(Commitment.SCHOOL, fact, min_attendance_pct=81) is False


@pytest.mark.parametrize(
    ("kind", "fact", "compliant"),
    [
        (Commitment.HEALTH, CommitmentFact(checkup_done=True), True),
        (Commitment.HEALTH, CommitmentFact(checkup_done=False), False),
        (Commitment.HEALTH, CommitmentFact(), False),
        (Commitment.SCHOOL, CommitmentFact(), False),
        (Commitment.SCHOOL, CommitmentFact(checkup_done=True), False),
    ],
)
def test_a_check_up_complies_only_when_done(kind, fact, compliant):
    assert commitment_compliant(kind, fact) is compliant


@pytest.mark.parametrize(("pct", "ok"), [(-1, False), (0, True), (100, True), (101, False)])
def test_attendance_is_a_percentage(pct, ok):
    assert attendance_in_range(pct) is ok


def test_commitment_values_are_the_model_choices():
    assert {c.value for c in Commitment} == set(CommitmentKind.values)


OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


@pytest.mark.parametrize(
    ("rows", "flagged"),
    [
        ([], False),
        ([(NOV, True), (NOV, True)], False),
        ([(NOV, True), (NOV, False)], True),
        ([(OCT, False), (NOV, True)], False),  # an old miss no longer counts
        ([(OCT, True), (NOV, False)], True),
        ([(NOV, False), (OCT, True)], True),  # order does not matter
    ],
)
def test_a_kpm_is_flagged_by_its_most_recent_month(rows, flagged):
    assert kpm_noncompliant(rows) is flagged


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2026, 11, 1), date(2026, 11, 1)),
        (date(2026, 11, 30), date(2026, 11, 1)),
        (date(2024, 2, 29), date(2024, 2, 1)),
    ],
)
def test_month_start(day, start):
    assert month_start(day) == start


@pytest.mark.parametrize(
    ("month", "k", "expected"),
    [
        (date(2026, 11, 1), 1, date(2026, 12, 1)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
        (date(2026, 3, 1), -14, date(2025, 1, 1)),
        (date(2026, 3, 1), 0, date(2026, 3, 1)),
    ],
)
def test_month_add_crosses_years(month, k, expected):
    assert month_add(month, k) == expected


def test_months_back_lists_oldest_first_ending_with_the_month():
    assert months_back(date(2026, 2, 17), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


@pytest.mark.parametrize(
    ("attended", "total", "pct"), [(0, 4, 0), (1, 3, 33), (2, 4, 50), (4, 4, 100), (0, 0, 0)]
)
def test_coverage_is_a_whole_percentage(attended, total, pct):
    assert coverage_pct(attended, total) == pct
