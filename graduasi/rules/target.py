"""A pendamping's progress toward the yearly graduation target (DESIGN §5). Pure.

Progress = graduations approved this calendar year / target. On track when progress is at
least the fraction of the year elapsed, counted in whole days before the date: on 1 January
nothing is expected yet, on 31 December 364/365 of the target is. Compared exactly, in
integers: approved x days_in_year >= target x days_elapsed. A target of 0 is always met.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from graduasi.rules.components import Policy


@dataclass(frozen=True)
class Progress:
    year: int
    approved: int
    target: int
    days_elapsed: int
    days_in_year: int

    @property
    def percent(self) -> int:
        """Whole percent of the target reached, rounded down; 100 for a target of 0."""
        return self.approved * 100 // self.target if self.target else 100

    @property
    def expected_by_now(self) -> int:
        """Approvals needed by today to be on track, rounded up."""
        return -(-self.target * self.days_elapsed // self.days_in_year)

    @property
    def on_track(self) -> bool:
        return self.approved * self.days_in_year >= self.target * self.days_elapsed


def target_progress(*, approved: int, on: date, policy: Policy) -> Progress:
    """Progress of a pendamping with `approved` graduations approved this year, on `on`."""
    days_in_year = 366 if calendar.isleap(on.year) else 365
    return Progress(
        year=on.year,
        approved=approved,
        target=policy.yearly_graduation_target,
        days_elapsed=(on - date(on.year, 1, 1)).days,
        days_in_year=days_in_year,
    )
