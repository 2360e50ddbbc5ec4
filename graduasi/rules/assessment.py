"""The graduation assessment of a KPM as of a date (DESIGN §5). No ORM, no settings, no clock.

Definitions the rules below rely on:

- `alamiah`: no member holds a component on the date. The reason says since when, where the
  recorded facts tell: the latest day a member's component ended (a child aging out, the end
  of nifas, the recorded day a member who still held one died or moved away), if that day is
  on or after the KPM's entry into PKH. Otherwise the date is unknown (None): also when a
  member left on an unrecorded date and may have held a component until then.
- `sejahtera`: the latest economic assessment on or before the date, if it is at most
  `assessment_max_age_months` old (assessed on or after the same day that many months
  earlier; a day that month lacks becomes its last day), shows household income per member at
  or above the province's poverty line times `poverty_line_multiplier` (in whole rupiah: the
  income per member rounded down against the line times the multiplier rounded up, so the
  values shown are the ones compared) and a stable income; or the latest DTSEN desil on or
  before the date is above `desil_ceiling`.
- `tinjau`: `max_years_in_pkh` whole years or more since the entry date (the anniversary itself
  counts; a 29 February entry has its anniversary on 1 March, as rules.age_on counts).
- `belum`: none of those.
The status is the first that holds in that order; every test is a reason, holding or not,
with the values that decided it.

Projected natural graduation date, for a KPM that still holds a component: the first day
on which no member would hold one if nothing changes but time, and every child holding a
component now follows the normal school path and leaves school at `school_leaving_age` (18);
a child still enrolled past that age keeps the school component until aging out. A pregnancy
brings a child whose components run `school_leaving_age` years from the due date. There is
none (None) while a member meets lansia or disabilitas berat (also when a higher component
is paid instead, as for a toddler with a severe disability), or when a member would turn
`lansia_min_age` on or before the day the other components end.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

from graduasi.rules.components import (
    SCHOOL_COMPONENTS,
    Benefit,
    Component,
    Member,
    Policy,
    household_benefit,
    member_component,
)


class Status(StrEnum):
    """Assessment statuses in precedence order (values match models.AssessmentStatus)."""

    ALAMIAH = "alamiah"
    SEJAHTERA = "sejahtera"
    TINJAU = "tinjau"
    BELUM = "belum"


STATUS_ORDER = tuple(Status)  # iterating the enum itself is slow, and this runs per KPM


class Code(StrEnum):
    """Reason codes. Each test gives exactly one of its codes."""

    # components: alamiah
    NO_COMPONENT = "no_component"
    HAS_COMPONENTS = "has_components"
    # income: sejahtera
    INCOME_AT_OR_ABOVE_LINE = "income_at_or_above_line"
    INCOME_NOT_STABLE = "income_not_stable"
    INCOME_BELOW_LINE = "income_below_line"
    ASSESSMENT_STALE = "assessment_stale"
    NO_ASSESSMENT = "no_assessment"
    NO_POVERTY_LINE = "no_poverty_line"
    # desil: sejahtera
    DESIL_ABOVE_CEILING = "desil_above_ceiling"
    DESIL_WITHIN_CEILING = "desil_within_ceiling"
    NO_DESIL = "no_desil"
    # time in PKH: tinjau
    YEARS_IN_PKH_REACHED = "years_in_pkh_reached"
    YEARS_IN_PKH_BELOW = "years_in_pkh_below"


# NamedTuples, not frozen dataclasses: as immutable and much cheaper to build, and the
# nightly run builds several per KPM (see components.Member).


class EconomicFacts(NamedTuple):
    """The KPM's latest economic assessment on or before the date."""

    assessed_on: date
    household_income: int  # rupiah per month
    member_count: int
    stable_income: bool


class KpmFacts(NamedTuple):
    """Everything the assessment reads about one KPM."""

    kpm_id: int  # the database id
    entry_date: date
    members: tuple[Member, ...]
    economic: EconomicFacts | None = None
    desil: int | None = None  # the latest DTSEN desil on or before the date
    poverty_line: int | None = None  # the province's line on the date, rupiah/capita/month


class Reason(NamedTuple):
    """One test: its code, whether it holds, the status it supports, and what decided it."""

    code: Code
    holds: bool
    status: Status
    values: Mapping[str, Any] = MappingProxyType({})

    def as_json(self) -> dict[str, Any]:
        """The stored form: dates as ISO text, decimals as text."""
        return {
            "code": self.code.value,
            "holds": self.holds,
            "status": self.status.value,
            "values": {key: _json_value(value) for key, value in self.values.items()},
        }


class Assessment(NamedTuple):
    kpm_id: int
    as_of: date
    status: Status
    statuses: tuple[Status, ...]  # every status that holds, in precedence order
    reasons: tuple[Reason, ...]  # components, income, desil, years: one each
    benefit: Benefit
    projected_graduation: date | None


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def anniversary(d: date, years: int) -> date:
    """The day `years` whole years after `d` are complete; 29 February moves to 1 March."""
    try:
        return date(d.year + years, d.month, d.day)  # faster than d.replace, called per member
    except ValueError:
        return date(d.year + years, 3, 1)


def months_before(d: date, months: int) -> date:
    """The same day `months` earlier; a day that month lacks becomes the month's last day."""
    index = d.year * 12 + d.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


# Components --------------------------------------------------------------------------------


def component_end(member: Member, *, on: date, policy: Policy) -> date | None:
    """The first day of the member's time without a component, as it stands on `on`: the day
    the last component ended, or the recorded day the member left while holding one; None
    while a component is held on `on` or the member left on an unrecorded date."""
    if not member.active:
        if member.left_on is None:
            return None
        staying = member._replace(active=True, left_on=None)
        ended = component_end(staying, on=member.left_on - timedelta(days=1), policy=policy)
        return member.left_on if ended is None else ended
    if member_component(member, on=on, policy=policy) is not None:
        return None
    ends = [anniversary(member.birth_date, policy.anak_usia_dini_max_age + 1)]
    if member.school_level in SCHOOL_COMPONENTS:
        ends.append(anniversary(member.birth_date, policy.school_max_age + 1))
    if member.sex == "P" and member.delivered_on is not None:
        ends.append(member.delivered_on + timedelta(days=policy.nifas_days + 1))
    if member.sex == "P" and member.pregnant and member.due_date is not None:
        ends.append(member.due_date + timedelta(days=1))
    past = [end for end in ends if end <= on]
    return max(past) if past else None


def _no_component_since(facts: KpmFacts, *, on: date, policy: Policy) -> date | None:
    recorded = [m for m in facts.members if m.active or m.left_on is not None]
    ends = [component_end(m, on=on, policy=policy) for m in recorded]
    known = [end for end in ends if end is not None]
    if not known or len(known) < len(ends):
        return None
    since = max(known)
    # A member who left on an unrecorded date ended no later than if they had stayed.
    for member in facts.members:
        if member.active or member.left_on is not None:
            continue
        bound = component_end(member._replace(active=True), on=on, policy=policy)
        if bound is None or bound > since:
            return None
    return since if since >= facts.entry_date else None


def _projected_end(member: Member, component: Component, *, on: date, policy: Policy) -> date:
    """When the member's component would end on the normal school path."""
    if component == Component.IBU_HAMIL:
        nifas_end = (member.delivered_on or on) + timedelta(days=policy.nifas_days + 1)
        delivered = member.delivered_on is not None and member.delivered_on <= on
        due = member.due_date
        if member.pregnant and due is not None and (due >= on or not delivered):
            return max(nifas_end, anniversary(due, policy.school_leaving_age))
        return nifas_end
    leaves = anniversary(member.birth_date, policy.school_leaving_age)
    if leaves > on:
        return leaves
    return anniversary(member.birth_date, policy.school_max_age + 1)


NEVER_ENDING = (Component.LANSIA, Component.DISABILITAS_BERAT)


def projected_graduation(
    members: tuple[Member, ...], benefit: Benefit, *, on: date, policy: Policy
) -> date | None:
    """The projected natural graduation date (module docstring); None if it never comes or
    nothing is held now."""
    if not benefit.components or any(mc.component in NEVER_ENDING for mc in benefit.components):
        return None
    active = [m for m in members if m.active]
    # A severe disability never ends, even while a higher component is paid for it.
    if any(m.severe_disability for m in active):
        return None
    by_id = {m.id: m for m in members}
    end = max(
        _projected_end(by_id[mc.member_id], mc.component, on=on, policy=policy)
        for mc in benefit.components
    )
    # No lansia is held, so every end is after `on`; a member turning lansia on or before the
    # last end keeps the KPM in. The oldest member turns lansia first.
    oldest = min(m.birth_date for m in active)
    if anniversary(oldest, policy.lansia_min_age) <= end:
        return None
    return end


def _components_reason(facts: KpmFacts, benefit: Benefit, *, on: date, policy: Policy) -> Reason:
    if not benefit.components:
        since = _no_component_since(facts, on=on, policy=policy)
        return Reason(Code.NO_COMPONENT, True, Status.ALAMIAH, {"since": since})
    values = {"count": len(benefit.components), "yearly": benefit.yearly}
    return Reason(Code.HAS_COMPONENTS, False, Status.ALAMIAH, values)


# Income and desil --------------------------------------------------------------------------


@lru_cache(maxsize=256)
def line_threshold(line: int, multiplier: Decimal) -> int:
    """The poverty line times the multiplier, rounded up to whole rupiah."""
    return int((Decimal(line) * multiplier).to_integral_value(rounding=ROUND_CEILING))


def _income_reason(facts: KpmFacts, *, on: date, policy: Policy) -> Reason:
    economic = facts.economic
    if economic is None:
        return Reason(Code.NO_ASSESSMENT, False, Status.SEJAHTERA)
    oldest = months_before(on, policy.assessment_max_age_months)
    if economic.assessed_on < oldest:
        values: dict[str, Any] = {
            "assessed_on": economic.assessed_on,
            "max_age_months": policy.assessment_max_age_months,
        }
        return Reason(Code.ASSESSMENT_STALE, False, Status.SEJAHTERA, values)
    if facts.poverty_line is None:
        return Reason(Code.NO_POVERTY_LINE, False, Status.SEJAHTERA)
    # Money is whole rupiah (DESIGN §4): the income per member rounded down against the line
    # times the multiplier rounded up, so the values shown are exactly the ones compared.
    threshold = line_threshold(facts.poverty_line, policy.poverty_line_multiplier)
    per_member = economic.household_income // economic.member_count
    values = {
        "assessed_on": economic.assessed_on,
        "income_per_member": per_member,
        "line": facts.poverty_line,
        "multiplier": policy.poverty_line_multiplier,
        "threshold": threshold,
        "stable_income": economic.stable_income,
    }
    if per_member < threshold:
        return Reason(Code.INCOME_BELOW_LINE, False, Status.SEJAHTERA, values)
    if not economic.stable_income:
        return Reason(Code.INCOME_NOT_STABLE, False, Status.SEJAHTERA, values)
    return Reason(Code.INCOME_AT_OR_ABOVE_LINE, True, Status.SEJAHTERA, values)


def _desil_reason(facts: KpmFacts, *, policy: Policy) -> Reason:
    if facts.desil is None:
        return Reason(Code.NO_DESIL, False, Status.SEJAHTERA, {"ceiling": policy.desil_ceiling})
    values = {"desil": facts.desil, "ceiling": policy.desil_ceiling}
    if facts.desil > policy.desil_ceiling:
        return Reason(Code.DESIL_ABOVE_CEILING, True, Status.SEJAHTERA, values)
    return Reason(Code.DESIL_WITHIN_CEILING, False, Status.SEJAHTERA, values)


def _years_reason(facts: KpmFacts, *, on: date, policy: Policy) -> Reason:
    reached_on = anniversary(facts.entry_date, policy.max_years_in_pkh)
    values = {
        "entry_date": facts.entry_date,
        "max_years": policy.max_years_in_pkh,
        "reached_on": reached_on,
    }
    if on >= reached_on:
        return Reason(Code.YEARS_IN_PKH_REACHED, True, Status.TINJAU, values)
    return Reason(Code.YEARS_IN_PKH_BELOW, False, Status.TINJAU, values)


# The assessment ----------------------------------------------------------------------------


def assess(facts: KpmFacts, *, on: date, policy: Policy) -> Assessment:
    """The KPM's status on `on`, every reason with its values, its benefit and its projected
    natural graduation date."""
    benefit = household_benefit(facts.members, on=on, policy=policy)
    reasons = (
        _components_reason(facts, benefit, on=on, policy=policy),
        _income_reason(facts, on=on, policy=policy),
        _desil_reason(facts, policy=policy),
        _years_reason(facts, on=on, policy=policy),
    )
    held = [r.status for r in reasons if r.holds]
    statuses = tuple(s for s in STATUS_ORDER if s in held) or (Status.BELUM,)
    return Assessment(
        kpm_id=facts.kpm_id,
        as_of=on,
        status=statuses[0],
        statuses=statuses,
        reasons=reasons,
        benefit=benefit,
        projected_graduation=projected_graduation(facts.members, benefit, on=on, policy=policy),
    )
