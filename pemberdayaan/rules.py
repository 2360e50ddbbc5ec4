"""After graduation (DESIGN §5 Workflow): the referral status steps, the tahap payments stop
from, and whether a graduated family is at risk of falling back. No ORM, no settings, no clock.

Definitions the rules below rely on:

- A referral moves dirujuk → diterima or ditolak, diterima → berjalan, berjalan → selesai or
  ditolak (the programme's own steps, as its agency reports them); no other step.
- An outcome an agency reports moves a referral as `OUTCOME_STEPS` says: diterima from
  dirujuk; ditolak from dirujuk or diterima; dicairkan (a loan or grant paid out) and
  pelatihan_selesai from dirujuk, diterima or berjalan, to selesai for a one-off grant or a
  training, to berjalan for a loan being repaid or a programme running. A referral ditolak or
  selesai is closed: no outcome moves it again.
- Payments stop from the tahap after the last one paid: after tahap `tahap_per_year` comes
  tahap 1 of the next year.
- A graduated family is at risk of falling back when either holds:
  (a) income: its latest done follow-up (the latest visit day; the later follow-up on the
      same day) shows household income per member below the poverty line of its province on
      the visit day times the policy multiplier in force that day, compared exactly as the
      graduation test compares them (graduasi.rules.assessment.line_threshold: the income per
      member rounded down against the line times the multiplier rounded up), so a family at
      the line is not at risk and one rupiah below is. No known line: not judged.
  (b) desil: the latest DTSEN desil recorded after the graduation day (strictly after: the
      decision already knew the desil of that day) is at or below `fallback_desil_max` in
      force on the day it was recorded. A newer higher desil clears an older low one.
  A family that is not (or no longer) graduated is never at risk.
Each reason that holds is kept as a code with the values that decided it, JSON-ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from graduasi.rules.assessment import line_threshold

# Source: DESIGN §5 Workflow / issue 5 §2, the referral statuses and their order.
REFERRAL_STEPS: dict[str, tuple[str, ...]] = {
    "dirujuk": ("diterima", "ditolak"),
    "diterima": ("berjalan",),
    "berjalan": ("selesai", "ditolak"),
    "ditolak": (),
    "selesai": (),
}


def referral_next_statuses(status: str) -> tuple[str, ...]:
    """The statuses a referral in `status` may move to; none from an unknown status."""
    return REFERRAL_STEPS.get(status, ())


def referral_step_allowed(current: str, to: str) -> bool:
    """Whether a referral may move from `current` straight to `to`."""
    return to in referral_next_statuses(current)


class OutcomeRefusal(StrEnum):
    CLOSED = "referral_closed"  # the referral is ditolak or selesai
    NOT_ALLOWED = "outcome_not_allowed"  # this outcome does not follow the referral's status


# Source: issue 7 §3, what an agency reports: (outcome kind, the statuses it may follow).
OUTCOME_FROM: dict[str, tuple[str, ...]] = {
    "diterima": ("dirujuk",),
    "ditolak": ("dirujuk", "diterima"),
    "dicairkan": ("dirujuk", "diterima", "berjalan"),
    "pelatihan_selesai": ("dirujuk", "diterima", "berjalan"),
}
CLOSED_STATUSES = frozenset({"ditolak", "selesai"})
# Programme kinds whose help is given once: a paid-out grant finishes the referral.
ONE_OFF_KINDS = frozenset({"hibah"})


@dataclass(frozen=True, slots=True)
class OutcomeStep:
    """A referral's status before an outcome and after it; `after` is None when refused."""

    before: str
    after: str | None
    refusal: OutcomeRefusal | None = None


def _status_after(kind: str, programme_kind: str) -> str:
    if kind == "dicairkan":
        return "selesai" if programme_kind in ONE_OFF_KINDS else "berjalan"
    if kind == "pelatihan_selesai":
        return "selesai"
    return kind  # diterima and ditolak name the status they lead to


def referral_outcome_step(current: str, kind: str, programme_kind: str) -> OutcomeStep:
    """The referral's status after an outcome of `kind` on a programme of `programme_kind`."""
    if current in CLOSED_STATUSES:
        return OutcomeStep(before=current, after=None, refusal=OutcomeRefusal.CLOSED)
    if current not in OUTCOME_FROM.get(kind, ()):
        return OutcomeStep(before=current, after=None, refusal=OutcomeRefusal.NOT_ALLOWED)
    return OutcomeStep(before=current, after=_status_after(kind, programme_kind))


def outcome_follows(kind: str) -> tuple[str, ...]:
    """The referral statuses an outcome of `kind` may be reported on."""
    return OUTCOME_FROM.get(kind, ())


# Source: DESIGN §5, payments are quarterly; graduasi.rules.tahap_of counts the same quarters.
TAHAP_PER_YEAR = 4


@dataclass(frozen=True, slots=True)
class Tahap:
    """One payment quarter: tahap `number` of `year`."""

    year: int
    number: int


def next_tahap(last: Tahap, *, per_year: int = TAHAP_PER_YEAR) -> Tahap:
    """The tahap after `last`: the first of the next year after the year's last."""
    if last.number >= per_year:
        return Tahap(year=last.year + 1, number=1)
    return Tahap(year=last.year, number=last.number + 1)


class RiskCode(StrEnum):
    INCOME_BELOW_LINE = "income_below_line"
    DESIL_LOW = "desil_low"


RISK_LABELS = {
    RiskCode.INCOME_BELOW_LINE: _("Pendapatan di bawah garis kemiskinan"),
    RiskCode.DESIL_LOW: _("Desil DTSEN turun"),
}


@dataclass(frozen=True, slots=True)
class IncomeCheck:
    """The latest done follow-up, with the line and multiplier in force on its day."""

    on: date
    household_income: int  # rupiah per month
    member_count: int
    poverty_line: int | None  # rupiah per capita per month; None when no line is known
    multiplier: Decimal


@dataclass(frozen=True, slots=True)
class DesilCheck:
    """The latest desil recorded after the graduation day, with the limit in force that day."""

    on: date
    desil: int
    fallback_max: int


@dataclass(frozen=True, slots=True)
class RiskFacts:
    kpm_id: int  # the database id
    graduated: bool
    income: IncomeCheck | None = None
    desil: DesilCheck | None = None


@dataclass(frozen=True, slots=True)
class Risk:
    kpm_id: int
    at_risk: bool
    reasons: tuple[dict[str, Any], ...]  # JSON-ready, as Kpm.risk_reasons stores them


def _income_reason(check: IncomeCheck) -> dict[str, Any] | None:
    if check.poverty_line is None or check.member_count < 1:
        return None
    threshold = line_threshold(check.poverty_line, check.multiplier)
    per_member = check.household_income // check.member_count
    if per_member >= threshold:
        return None
    return {
        "code": RiskCode.INCOME_BELOW_LINE.value,
        "income_per_member": per_member,
        "line": check.poverty_line,
        "multiplier": str(check.multiplier),
        "threshold": threshold,
        "on": check.on.isoformat(),
    }


def _desil_reason(check: DesilCheck) -> dict[str, Any] | None:
    if check.desil > check.fallback_max:
        return None
    return {
        "code": RiskCode.DESIL_LOW.value,
        "desil": check.desil,
        "max": check.fallback_max,
        "on": check.on.isoformat(),
    }


def risk_of(facts: RiskFacts) -> Risk:
    """Whether a family is at risk of falling back, and every reason that holds."""
    if not facts.graduated:
        return Risk(kpm_id=facts.kpm_id, at_risk=False, reasons=())
    found = (
        _income_reason(facts.income) if facts.income else None,
        _desil_reason(facts.desil) if facts.desil else None,
    )
    reasons = tuple(r for r in found if r is not None)
    return Risk(kpm_id=facts.kpm_id, at_risk=bool(reasons), reasons=reasons)
