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

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from graduasi.rules import (
    COMPONENT_LABELS,
    Benefit,
    Component,
    Policy,
    age_on,
    household_benefit,
)
from graduasi.selectors import member_facts
from kpm.models import Anggota, DesilHistory, Kpm, KpmStatus, MemberStatus
from kpm.rules import mask_nik
from pendamping.models import (
    AttendanceStatus,
    CommitmentVerification,
    EconomicAssessment,
    MeetingStatus,
    P2k2Meeting,
    P2k2Module,
    Visit,
    VisitPurpose,
)
from pendamping.rules import HEALTH_COMPONENTS as HEALTH_COMMITMENT
from pendamping.rules import SCHOOL_COMPONENTS as SCHOOL_COMMITMENT
from pendamping.rules import months_back
from pendamping.selectors import p2k2_coverage
from pengguna.models import User

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


def _pengurus_name() -> Subquery:
    pengurus = Anggota.objects.filter(kpm=OuterRef("pk"), is_pengurus=True).values("nama")[:1]
    return Subquery(pengurus, output_field=CharField())


def _active_member_count() -> Coalesce:
    # A correlated subquery rather than a join: the page's COUNT(*) then needs no GROUP BY.
    counted = (
        Anggota.objects.filter(kpm=OuterRef("pk"), status=MemberStatus.ACTIVE)
        .order_by()
        .values("kpm")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def caseload_rows(user: User) -> QuerySet[Kpm]:
    """The KPM `user` may see, with what a caseload row shows: pengurus name, desa name,
    active member count and pendamping, in one query per page."""
    return (
        Kpm.objects.visible_to(user)
        .select_related("desa", "pendamping__user")
        .annotate(
            pengurus_nama=_pengurus_name(),
            member_count=_active_member_count(),
        )
        .order_by("kpm_id")
    )


def caseload_desa_choices(user: User) -> list[tuple[str, str]]:
    """The desa that appear in the user's visible KPM, by name, with how many KPM each."""
    rows = (
        Kpm.objects.visible_to(user)
        .order_by()
        .values("desa_id", "desa__name")
        .annotate(n=Count("pk"))
        .order_by("desa__name", "desa_id")
    )
    return [(r["desa_id"], f"{r['desa__name']} ({r['n']})") for r in rows]


@dataclass(frozen=True)
class DesaCounts:
    """One desa's line on the Beranda."""

    desa_code: str
    desa_name: str
    kecamatan_name: str
    active: int
    visit_due: int
    commitment_due: int
    noncompliant: int


@dataclass(frozen=True)
class Worklist:
    """A Beranda's work for today: counts, and the first rows of each list."""

    per_desa: list[DesaCounts]
    visit_due: list[Kpm]
    commitment_due: list[Kpm]
    meetings: list[P2k2Meeting]
    meetings_total: int

    @property
    def active_total(self) -> int:
        return sum(d.active for d in self.per_desa)

    @property
    def visit_due_total(self) -> int:
        return sum(d.visit_due for d in self.per_desa)

    @property
    def commitment_due_total(self) -> int:
        return sum(d.commitment_due for d in self.per_desa)

    @property
    def noncompliant_total(self) -> int:
        return sum(d.noncompliant for d in self.per_desa)


def _counts_per_desa(active: QuerySet[Kpm], *, on: date, policy: Policy) -> list[DesaCounts]:
    rows = (
        active.order_by()
        .values(
            desa_code=F("desa_id"),
            desa_name=F("desa__name"),
            kecamatan_name=F("desa__kecamatan__name"),
        )
        .annotate(
            active=Count("pk"),
            visit_due=Count("pk", filter=visit_due(on=on)),
            commitment_due=Count("pk", filter=Q(kpm_commitment_due(on=on, policy=policy))),
            noncompliant=Count("pk", filter=Q(noncompliant=True)),
        )
        .order_by("kecamatan_name", "desa_name")
    )
    return [DesaCounts(**r) for r in rows]


def worklist(user: User, *, on: date, policy: Policy, shown: int = 10) -> Worklist:
    """Today's work over the active KPM `user` may see: visits due, commitment verification
    due this month, planned P2K2 meetings from today on, and the counts per desa."""
    active = Kpm.objects.visible_to(user).filter(status=KpmStatus.ACTIVE)
    rows = active.select_related("desa").annotate(pengurus_nama=_pengurus_name())
    visits = rows.filter(visit_due(on=on)).order_by(
        F("last_visit_on").asc(nulls_first=True), "kpm_id"
    )
    commitments = rows.filter(kpm_commitment_due(on=on, policy=policy)).order_by("kpm_id")
    meetings = P2k2Meeting.objects.visible_to(user).filter(
        status=MeetingStatus.PLANNED, scheduled_on__gte=on
    )
    return Worklist(
        per_desa=_counts_per_desa(active, on=on, policy=policy),
        visit_due=list(visits[:shown]),
        commitment_due=list(commitments[:shown]),
        meetings=list(
            meetings.select_related("group__desa", "session__module").order_by(
                "scheduled_on", "id"
            )[:shown]
        ),
        meetings_total=meetings.count(),
    )


# The profile ------------------------------------------------------------------------------

PROFILE_VISITS = 20
PROFILE_ASSESSMENTS = 10
COMMITMENT_MONTHS = 6


@dataclass(frozen=True)
class MemberRow:
    """One member on the profile, with their component today and whether it is paid."""

    anggota: Anggota
    nik: str  # full or masked, as the viewer may see it
    age: int
    component: Component | None
    yearly: int
    paid: bool

    @property
    def component_label(self) -> str:
        return str(COMPONENT_LABELS[self.component]) if self.component else ""


@dataclass(frozen=True)
class VisitRow:
    visit: Visit
    purposes: list[str]
    assessment: EconomicAssessment | None


@dataclass(frozen=True)
class CommitmentRow:
    """One member's commitment verification per month, oldest month first (None: no row)."""

    anggota: Anggota
    months: list[bool | None]


@dataclass(frozen=True)
class ModuleCoverage:
    """P2K2 attendance of one KPM in one module."""

    name: str
    sessions: int
    attended: int  # distinct sessions attended (hadir) at held meetings
    excused: int
    absent: int


@dataclass(frozen=True)
class KpmProfile:
    kpm: Kpm
    members: list[MemberRow]
    benefit: Benefit
    desil_history: list[DesilHistory]
    visits: list[VisitRow]
    assessments: list[EconomicAssessment]
    commitment_months: list[date]
    commitments: list[CommitmentRow]
    p2k2: list[ModuleCoverage]


def _members(kpm: Kpm, *, on: date, policy: Policy, full_nik: bool) -> tuple[list, Benefit]:
    anggota = list(kpm.anggota.order_by("-is_pengurus", "tanggal_lahir", "id"))
    benefit = household_benefit([member_facts(a) for a in anggota], on=on, policy=policy)
    found = {mc.member_id: mc for mc in benefit.components}
    paid = {mc.member_id for mc in benefit.paid}
    rows = [
        MemberRow(
            anggota=a,
            nik=a.nik if full_nik else mask_nik(a.nik),
            age=age_on(a.tanggal_lahir, on),
            component=found[a.pk].component if a.pk in found else None,
            yearly=found[a.pk].yearly if a.pk in found else 0,
            paid=a.pk in paid,
        )
        for a in anggota
    ]
    return rows, benefit


def _visits(kpm: Kpm) -> list[VisitRow]:
    labels = dict(VisitPurpose.choices)
    visits = kpm.visits.select_related("assessment", "pendamping__user").order_by(
        "-visited_on", "-id"
    )[:PROFILE_VISITS]
    rows = []
    for visit in visits:
        try:
            assessment: EconomicAssessment | None = visit.assessment
        except EconomicAssessment.DoesNotExist:
            assessment = None
        purposes = [str(labels.get(p, p)) for p in visit.purposes]
        rows.append(VisitRow(visit=visit, purposes=purposes, assessment=assessment))
    return rows


def _commitments(kpm: Kpm, members: list[MemberRow], *, on: date) -> tuple[list, list]:
    months = months_back(on, COMMITMENT_MONTHS)
    rows = kpm.commitments.filter(month__gte=months[0]).values_list(
        "anggota_id", "month", "compliant"
    )
    found = {(anggota_id, month): compliant for anggota_id, month, compliant in rows}
    owing = set(COMMITMENT_COMPONENTS)
    shown = [
        CommitmentRow(anggota=m.anggota, months=[found.get((m.anggota.pk, mo)) for mo in months])
        for m in members
        if m.component in owing or any((m.anggota.pk, mo) in found for mo in months)
    ]
    return months, shown


def p2k2_by_module(kpm: Kpm) -> list[ModuleCoverage]:
    """P2K2 attendance of one KPM per module of the catalogue: sessions attended as the P2K2
    pages count them (pendamping.selectors.p2k2_coverage), plus excused and absent marks."""
    coverage = p2k2_coverage([kpm.pk])[kpm.pk]
    marks = {
        r["meeting__session__module__code"]: r
        for r in kpm.p2k2_attendance.order_by()
        .values("meeting__session__module__code")
        .annotate(
            excused=Count("pk", filter=Q(status=AttendanceStatus.EXCUSED)),
            absent=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
        )
    }
    none = {"excused": 0, "absent": 0}
    return [
        ModuleCoverage(
            name=name,
            attended=coverage.get(code, (0, 0))[0],
            sessions=coverage.get(code, (0, 0))[1],
            excused=marks.get(code, none)["excused"],
            absent=marks.get(code, none)["absent"],
        )
        for code, name in P2k2Module.objects.order_by("order").values_list("code", "name")
    ]


def kpm_profile(kpm: Kpm, *, on: date, policy: Policy, full_nik: bool) -> KpmProfile:
    """Everything the profile page shows about one KPM, in a fixed number of queries."""
    members, benefit = _members(kpm, on=on, policy=policy, full_nik=full_nik)
    months, commitments = _commitments(kpm, members, on=on)
    return KpmProfile(
        kpm=kpm,
        members=members,
        benefit=benefit,
        desil_history=list(kpm.desil_history.order_by("-recorded_on", "-id")[:20]),
        visits=_visits(kpm),
        assessments=list(kpm.assessments.order_by("-assessed_on", "-id")[:PROFILE_ASSESSMENTS]),
        commitment_months=months,
        commitments=commitments,
        p2k2=p2k2_by_module(kpm),
    )
