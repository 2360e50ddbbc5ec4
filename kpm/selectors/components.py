"""Reads of KPM for the facilitator workspace: components in SQL, the caseload, the profile and
the Beranda work lists. Every read is a bounded number of grouped queries.

Components in SQL (`anggota_component`) mirror graduasi.rules.member_component exactly:

- rules.age_on(b, on) >= n holds exactly when b <= the date n years before `on` (29 February
  of a year without one falls back to 28 February: both compare dates as (year, month, day)),
  so an age test becomes a comparison of `tanggal_lahir` with a date computed here;
- rules.is_ibu_hamil, the anak usia dini, school, lansia and disabilitas tests are written
  over the same fields with the same bounds (NULL never satisfies a comparison, as None
  never does in the rule);
- a member has one component, the highest paid: a CASE whose WHEN clauses follow the order
  member_component sorts by (amount descending, then `Component` order) returns the first
  that holds, which is the same one.
tests/kpm/test_caseload.py checks the two agree on members built for each branch.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import (
    Case,
    CharField,
    Exists,
    OuterRef,
    Q,
    Value,
    When,
)

from graduasi.rules import (
    Component,
    Policy,
)
from kpm.models import Anggota, MemberStatus
from pendamping.models import CommitmentVerification
from pendamping.rules import HEALTH_COMPONENTS as HEALTH_COMMITMENT
from pendamping.rules import SCHOOL_COMPONENTS as SCHOOL_COMMITMENT

VISIT_DUE_DAYS = 30  # a KPM with no visit in the last 30 days is due one
# Components whose members owe a monthly commitment (check-ups or school attendance): the
# codes pendamping.rules.commitment_owed answers for.
COMMITMENT_COMPONENTS = tuple(
    c for c in Component if c.value in SCHOOL_COMMITMENT | HEALTH_COMMITMENT
)
SCHOOL_LEVELS = {Component.SD: "SD", Component.SMP: "SMP", Component.SMA: "SMA"}


def years_before(on: date, years: int) -> date:
    """The date `years` before `on`; a 29 February with no match falls back to 28 February."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def _age_at_least(years: int, on: date) -> Q:
    return Q(tanggal_lahir__lte=years_before(on, years))


def _age_at_most(years: int, on: date) -> Q:
    return Q(tanggal_lahir__gt=years_before(on, years + 1))


def _component_condition(component: Component, *, on: date, policy: Policy) -> Q:
    """The SQL form of one component's test in graduasi.rules.eligible_components."""
    if component == Component.IBU_HAMIL:
        pregnant = Q(hamil=True) & (
            Q(perkiraan_lahir__gte=on)
            | Q(tanggal_persalinan__isnull=True)
            | Q(tanggal_persalinan__gt=on)
        )
        nifas = Q(
            tanggal_persalinan__lte=on,
            tanggal_persalinan__gte=on - timedelta(days=policy.nifas_days),
        )
        return Q(jenis_kelamin="P") & (pregnant | nifas)
    if component == Component.ANAK_USIA_DINI:
        in_school = Q(jenjang_sekolah__in=list(SCHOOL_LEVELS.values()))
        return _age_at_most(policy.anak_usia_dini_max_age, on) & ~in_school
    if component in SCHOOL_LEVELS:
        level = SCHOOL_LEVELS[component]
        return Q(jenjang_sekolah=level) & _age_at_most(policy.school_max_age, on)
    if component == Component.LANSIA:
        return _age_at_least(policy.lansia_min_age, on)
    return Q(disabilitas_berat=True)


def components_by_rank(policy: Policy) -> list[Component]:
    """Components in the order member_component prefers them: highest amount, then enum order."""
    order = list(Component)
    return sorted(Component, key=lambda c: (-policy.amount(c), order.index(c)))


def anggota_component(*, on: date, policy: Policy) -> Case:
    """Each member's component on `on` as an SQL expression (NULL when none); see the module
    docstring for why it equals graduasi.rules.member_component."""
    alive = Q(status=MemberStatus.ACTIVE, tanggal_lahir__lte=on)
    whens = [
        When(alive & _component_condition(c, on=on, policy=policy), then=Value(c.value))
        for c in components_by_rank(policy)
    ]
    return Case(*whens, default=None, output_field=CharField())


def kpm_with_component(component: Component, *, on: date, policy: Policy) -> Exists:
    """KPM with at least one member whose component on `on` is `component`."""
    members = Anggota.objects.filter(kpm=OuterRef("pk")).alias(
        component=anggota_component(on=on, policy=policy)
    )
    return Exists(members.filter(component=component.value))


def first_of_month(on: date) -> date:
    return on.replace(day=1)


def kpm_commitment_due(*, on: date, policy: Policy) -> Exists:
    """KPM with a member who owes a commitment in `on`'s month and has no verification row for
    it. What a member owes is judged on the month's first day, as the commitment grid does."""
    month = first_of_month(on)
    recorded = CommitmentVerification.objects.filter(anggota=OuterRef("pk"), month=month)
    owing = (
        Anggota.objects.filter(kpm=OuterRef("pk"))
        .alias(component=anggota_component(on=month, policy=policy))
        .filter(component__in=[c.value for c in COMMITMENT_COMPONENTS])
        .filter(~Exists(recorded))
    )
    return Exists(owing)


def visit_due(*, on: date) -> Q:
    """Never visited, or no visit in the last VISIT_DUE_DAYS days."""
    return Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=on - timedelta(days=VISIT_DUE_DAYS))
