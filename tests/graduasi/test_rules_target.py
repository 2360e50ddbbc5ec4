"""A pendamping's progress toward the yearly graduation target, table-driven, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from graduasi.rules import DEFAULT_POLICY, Progress, target_progress

P = DEFAULT_POLICY  # a target of 10 a year


def progress(approved: int, on: date, target: int = 10) -> Progress:
    return target_progress(
        approved=approved, on=on, policy=replace(P, yearly_graduation_target=target)
    )


def test_the_default_target_is_ten_a_year():
    assert target_progress(approved=3, on=date(2026, 7, 1), policy=P).target == 10


@pytest.mark.parametrize(
    ("on", "days_elapsed", "days_in_year"),
    [
        (date(2026, 1, 1), 0, 365),
        (date(2026, 1, 2), 1, 365),
        (date(2026, 3, 1), 59, 365),
        (date(2026, 12, 31), 364, 365),
        (date(2024, 3, 1), 60, 366),
        (date(2024, 12, 31), 365, 366),
    ],
    ids=["1 Jan", "2 Jan", "1 Mar", "31 Dec", "1 Mar of a leap year", "31 Dec of a leap year"],
)
def test_the_year_elapsed_counts_whole_days_before_the_date(on, days_elapsed, days_in_year):
    result = progress(0, on)
    assert (result.year, result.days_elapsed, result.days_in_year) == (
        on.year,
        days_elapsed,
        days_in_year,
    )


TRACK_CASES = [
    # (case, approved, on, target, expected_by_now, on_track)
    ("1 Jan, none approved", 0, date(2026, 1, 1), 10, 0, True),
    ("31 Dec, 9 of 10", 9, date(2026, 12, 31), 10, 10, False),
    ("31 Dec, 10 of 10", 10, date(2026, 12, 31), 10, 10, True),
    ("31 Dec of a leap year, 9 of 10", 9, date(2024, 12, 31), 10, 10, False),
    # 15 March is day 73 of 365: exactly 2 of 10 are expected
    ("exactly on the line", 2, date(2026, 3, 15), 10, 2, True),
    ("one below the line", 1, date(2026, 3, 15), 10, 2, False),
    # 16 March: 740/365 = 2.03 rounds up to 3
    ("just past a whole approval", 2, date(2026, 3, 16), 10, 3, False),
    ("just past a whole approval, met", 3, date(2026, 3, 16), 10, 3, True),
    # the same day of a leap year is one day further on: 2 of 10 at day 74 of 366
    ("leap year, 15 March", 2, date(2024, 3, 15), 10, 3, False),
    # 1 July is day 181 of 365: 4.96 rounds up to 5
    ("half way, 5 of 10", 5, date(2026, 7, 1), 10, 5, True),
    ("half way, 4 of 10", 4, date(2026, 7, 1), 10, 5, False),
    ("target 0", 0, date(2026, 12, 31), 0, 0, True),
    ("target 0 with approvals", 2, date(2026, 6, 1), 0, 0, True),
    ("over the target", 12, date(2026, 12, 31), 10, 10, True),
]


@pytest.mark.parametrize(
    ("approved", "on", "target", "expected_by_now", "on_track"),
    [case[1:] for case in TRACK_CASES],
    ids=[case[0] for case in TRACK_CASES],
)
def test_on_track_when_approvals_keep_up_with_the_year(
    approved, on, target, expected_by_now, on_track
):
    result = progress(approved, on, target)
    assert (result.expected_by_now, result.on_track) == (expected_by_now, on_track)
    # on track exactly when the approvals reach what is expected by now
    assert result.on_track is (approved >= result.expected_by_now)


@pytest.mark.parametrize(
    ("approved", "target", "percent"),
    [
        (0, 10, 0),
        (1, 10, 10),
        (10, 10, 100),
        (12, 10, 120),
        (1, 3, 33),
        (2, 3, 66),
        (0, 0, 100),
        (4, 0, 100),
    ],
    ids=[
        "none",
        "one of ten",
        "met",
        "over",
        "a third",
        "two thirds rounded down",
        "target 0",
        "target 0 with approvals",
    ],
)
def test_percent_of_the_target_is_rounded_down(approved, target, percent):
    assert progress(approved, date(2026, 7, 1), target).percent == percent
