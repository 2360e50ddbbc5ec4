"""Commitment verification and P2K2 coverage (DESIGN §5). No ORM, no settings, no clock.

A member's monthly commitment follows their component (graduasi.rules.Component, passed
here as its code so these rules stand on their own):

- SD, SMP, SMA: school attendance that month, compliant at `MIN_SCHOOL_ATTENDANCE_PCT` or more.
- Ibu hamil/nifas, anak usia dini: a health check-up that month, compliant when done.
- Lansia, disabilitas berat, or no component: no monthly commitment.

A KPM is non-compliant when any member is non-compliant in the most recent month that has
verifications; a KPM with no verification at all is not flagged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from graduasi.rules import DEFAULT_POLICY


class Commitment(StrEnum):
    """What a member owes in a month; the values are those of models.CommitmentKind."""

    SCHOOL = "sekolah"
    HEALTH = "kesehatan"


# The default; the value in force is graduasi Policy.min_school_attendance_pct (dated).
MIN_SCHOOL_ATTENDANCE_PCT = DEFAULT_POLICY.min_school_attendance_pct

# Component codes of graduasi.rules.Component, by the commitment they carry (DESIGN §5).
SCHOOL_COMPONENTS = frozenset({"sd", "smp", "sma"})
HEALTH_COMPONENTS = frozenset({"ibu_hamil", "anak_usia_dini"})


@dataclass(frozen=True)
class CommitmentFact:
    """What the pendamping found for one member in one month."""

    attendance_pct: int | None = None
    checkup_done: bool | None = None

    @property
    def is_empty(self) -> bool:
        return self.attendance_pct is None and self.checkup_done is None


def commitment_owed(component: str | None) -> Commitment | None:
    """The commitment a member with this component code owes each month, if any."""
    if component in SCHOOL_COMPONENTS:
        return Commitment.SCHOOL
    if component in HEALTH_COMPONENTS:
        return Commitment.HEALTH
    return None


def attendance_in_range(pct: int) -> bool:
    """A school attendance percentage is a whole number from 0 to 100."""
    return 0 <= pct <= 100


def commitment_compliant(
    kind: Commitment, fact: CommitmentFact, *, min_attendance_pct: int = MIN_SCHOOL_ATTENDANCE_PCT
) -> bool:
    """Whether the fact found meets the commitment of its kind."""
    if kind == Commitment.SCHOOL:
        return fact.attendance_pct is not None and fact.attendance_pct >= min_attendance_pct
    return fact.checkup_done is True


def kpm_noncompliant(verifications: Iterable[tuple[date, bool]]) -> bool:
    """From (month, compliant) pairs of one KPM: any miss in the most recent month recorded."""
    rows = list(verifications)
    if not rows:
        return False
    latest = max(month for month, _compliant in rows)
    return any(not compliant for month, compliant in rows if month == latest)


def month_start(d: date) -> date:
    """The first day of the month `d` falls in."""
    return d.replace(day=1)


def month_add(month: date, months: int) -> date:
    """The first day of the month `months` after (or, negative, before) `month`."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_back(month: date, count: int) -> list[date]:
    """`count` month starts ending with `month`'s, oldest first."""
    last = month_start(month)
    return [month_add(last, -k) for k in range(count - 1, -1, -1)]


def coverage_pct(attended: int, total: int) -> int:
    """Share of a catalogue covered, as a whole percentage rounded down (0 for an empty one)."""
    return attended * 100 // total if total else 0


def record_version(*parts: object) -> str:
    """A short fingerprint of what a record holds. A form carries it as its base version, so
    a change made by someone else before the form comes back is seen, not overwritten."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def edit_conflicts(*, base: str | None, current: str, same_as_current: bool) -> bool:
    """Whether an edit opened on version `base` collides with the record now at `current`:
    only when the record changed meanwhile and the edit would change it again. A form that
    sent no base version (an older page, an API caller) is not checked."""
    return base is not None and base != current and not same_as_current
