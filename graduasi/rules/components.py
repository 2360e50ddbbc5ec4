"""Components and benefit of a KPM as of a date (DESIGN §5). No ORM, no settings, no clock.

Definitions the rules below rely on:

- Age is whole years completed on the date. A member born on 29 February turns a year
  older on 1 March in years without a 29 February.
- Ibu hamil/nifas: a woman whose pregnancy is recorded, while her due date has not passed
  or no delivery has been recorded by that date; or a woman on day 0 to `nifas_days` after
  the recorded delivery (with the default 42: the day of delivery and the 42 days after it
  count, day 43 does not).
- Anak usia dini: age 0 to `anak_usia_dini_max_age` (6) inclusive and not enrolled in SD,
  SMP or SMA. PAUD is early-childhood care, not school: a child in PAUD is anak usia dini.
- SD, SMP, SMA: enrolled at that level and age at most `school_max_age` (21).
- Lansia: age `lansia_min_age` (70) or more, from the birthday itself.
- Disabilitas berat: a severe disability is recorded.
- A member who died or moved away has no component.

A member has one component: the highest paid of those that hold; equal amounts are broken
by the order of `Component`. A KPM is paid for at most `max_components`, highest first;
equal amounts go to the lower member id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _


class Component(StrEnum):
    """A reason a member is paid; the order breaks ties between equal amounts."""

    IBU_HAMIL = "ibu_hamil"
    ANAK_USIA_DINI = "anak_usia_dini"
    SD = "sd"
    SMP = "smp"
    SMA = "sma"
    LANSIA = "lansia"
    DISABILITAS_BERAT = "disabilitas_berat"


@dataclass(frozen=True)
class Policy:
    """Every programme value the rules use. Field names match graduasi.models.PolicyVersion."""

    # Yearly amount per component, rupiah. Source: DESIGN §5 (Kemensos PKH indeks bantuan).
    amount_ibu_hamil: int = 3_000_000
    amount_anak_usia_dini: int = 3_000_000
    amount_sd: int = 900_000
    amount_smp: int = 1_500_000
    amount_sma: int = 2_000_000
    amount_lansia: int = 2_400_000
    amount_disabilitas_berat: int = 2_400_000
    # Source: DESIGN §5; 42 days is the medical nifas (post-partum) period.
    nifas_days: int = 42
    # Source: DESIGN §5, "age 0-6": the last year counted is the one before turning 7.
    anak_usia_dini_max_age: int = 6
    # Source: DESIGN §5, "school components need ... age at most 21".
    school_max_age: int = 21
    # Source: Kemensos practice via DESIGN §5: the regulation says 60, practice pays 70.
    lansia_min_age: int = 70
    # Source: DESIGN §5, "a KPM is paid for at most 4 components".
    max_components: int = 4
    # Source: DESIGN §5, payments are quarterly (tahap 1-4).
    tahap_per_year: int = 4
    # Source: DESIGN §5, sejahtera when income per member >= poverty line x 1.0.
    poverty_line_multiplier: Decimal = Decimal("1.00")
    # Source: DESIGN §1/§5, social protection reaches up to desil 4.
    desil_ceiling: int = 4
    # Source: DESIGN §1/§5, Kemensos: assistance lasts no more than 5 years.
    max_years_in_pkh: int = 5
    # Source: DESIGN §1/§5, Kemensos target of 10 graduations per pendamping per year.
    yearly_graduation_target: int = 10
    # Source: DESIGN §5, the economic assessment used is at most 12 months old.
    assessment_max_age_months: int = 12
    # Source: DESIGN §5, a sejahtera proposal needs an assessment at most 6 months old.
    sejahtera_evidence_max_age_months: int = 6
    # Source: DESIGN §5, "school attendance at least 85% for school components".
    min_school_attendance_pct: int = 85
    # Source: DESIGN §5, the projected natural graduation assumes a child leaves SMA at 18.
    school_leaving_age: int = 18
    # Source: DESIGN §5 Workflow, a graduated family whose DTSEN desil falls back to 1-2 is at
    # risk of falling back into poverty.
    fallback_desil_max: int = 2

    def amount(self, component: Component) -> int:
        """Yearly rupiah for one component."""
        return int(getattr(self, f"amount_{component.value}"))


# The defaults above, each naming its source; used when no PolicyVersion is in force.
DEFAULT_POLICY = Policy()


COMPONENT_LABELS = {
    Component.IBU_HAMIL: _("Ibu hamil/nifas"),
    Component.ANAK_USIA_DINI: _("Anak usia dini"),
    Component.SD: _("Anak SD"),
    Component.SMP: _("Anak SMP"),
    Component.SMA: _("Anak SMA"),
    Component.LANSIA: _("Lanjut usia"),
    Component.DISABILITAS_BERAT: _("Disabilitas berat"),
}

SCHOOL_COMPONENTS = {"SD": Component.SD, "SMP": Component.SMP, "SMA": Component.SMA}


# Member, MemberComponent and Benefit are NamedTuples rather than frozen dataclasses: just as
# immutable, and five times cheaper to build; the nightly run builds millions of them.


class Member(NamedTuple):
    """The facts about one anggota that decide its component."""

    id: int
    birth_date: date
    sex: str  # "L" or "P"
    pregnant: bool = False
    due_date: date | None = None
    delivered_on: date | None = None
    school_level: str = ""  # "", "PAUD", "SD", "SMP" or "SMA": current enrolment
    severe_disability: bool = False
    active: bool = True  # False once the member died or moved away
    left_on: date | None = None  # when an inactive member died or moved away, if recorded


class MemberComponent(NamedTuple):
    """One member's component and its yearly amount."""

    member_id: int
    component: Component
    yearly: int


class Benefit(NamedTuple):
    """What a KPM is paid as of a date, and for which members."""

    components: tuple[MemberComponent, ...]  # every member with a component, highest first
    paid: tuple[MemberComponent, ...]  # the first `max_components` of them
    unpaid: tuple[MemberComponent, ...]  # the rest: over the cap
    yearly: int  # rupiah a year for the paid components
    per_tahap: int  # yearly // tahap_per_year, whole rupiah rounded down


def age_on(birth_date: date, on: date) -> int:
    """Whole years completed on `on`; a 29 February birthday counts from 1 March."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def tahap_of(d: date) -> int:
    """The tahap (quarter, 1-4) a date falls in."""
    return (d.month - 1) // 3 + 1


def is_ibu_hamil(member: Member, *, on: date, policy: Policy) -> bool:
    """Pregnant on `on`, or within the nifas period after a recorded delivery."""
    if member.sex != "P":
        return False
    delivered = member.delivered_on
    delivered_by_then = delivered is not None and delivered <= on
    due_ahead = member.due_date is not None and member.due_date >= on
    if member.pregnant and (due_ahead or not delivered_by_then):
        return True
    return delivered is not None and 0 <= (on - delivered).days <= policy.nifas_days


def eligible_components(member: Member, *, on: date, policy: Policy) -> list[Component]:
    """Every component whose condition the member meets on `on`, in `Component` order."""
    if not member.active or member.birth_date > on:
        return []
    age = age_on(member.birth_date, on)
    school = SCHOOL_COMPONENTS.get(member.school_level)
    found = []
    if is_ibu_hamil(member, on=on, policy=policy):
        found.append(Component.IBU_HAMIL)
    if age <= policy.anak_usia_dini_max_age and school is None:
        found.append(Component.ANAK_USIA_DINI)
    if school is not None and age <= policy.school_max_age:
        found.append(school)
    if age >= policy.lansia_min_age:
        found.append(Component.LANSIA)
    if member.severe_disability:
        found.append(Component.DISABILITAS_BERAT)
    return found


@lru_cache(maxsize=64)
def component_rank(policy: Policy) -> dict[Component, int]:
    """Each component's place in the preference: highest amount first, then `Component` order.
    Cached per policy: the nightly run asks for it once per member."""
    order = list(Component)
    ranked = sorted(Component, key=lambda c: (-policy.amount(c), order.index(c)))
    return {component: place for place, component in enumerate(ranked)}


def member_component(member: Member, *, on: date, policy: Policy) -> Component | None:
    """The member's one component on `on`: the highest paid of those it meets."""
    found = eligible_components(member, on=on, policy=policy)
    if len(found) < 2:
        return found[0] if found else None
    return min(found, key=component_rank(policy).__getitem__)


def household_benefit(members: Iterable[Member], *, on: date, policy: Policy) -> Benefit:
    """The KPM's components, the ones paid under the cap, and the yearly and per tahap amounts."""
    found = []
    for member in members:
        component = member_component(member, on=on, policy=policy)
        if component is not None:
            found.append(MemberComponent(member.id, component, policy.amount(component)))
    found.sort(key=lambda mc: (-mc.yearly, mc.member_id))
    paid = tuple(found[: policy.max_components])
    yearly = sum(mc.yearly for mc in paid)
    return Benefit(
        components=tuple(found),
        paid=paid,
        unpaid=tuple(found[policy.max_components :]),
        yearly=yearly,
        per_tahap=yearly // policy.tahap_per_year,
    )
