"""Reads for the KPM profile: household, members, benefit, graduation status and readiness,
and every history, bounded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    Q,
)

from graduasi.models import KpmAssessment
from graduasi.reasons import ReasonLine, reason_lines
from graduasi.rules import (
    COMPONENT_LABELS,
    Benefit,
    Component,
    Policy,
    age_on,
    household_benefit,
)
from graduasi.selectors import member_facts
from kpm.models import Anggota, DesilHistory, Kpm, MemberStatus
from kpm.rules import mask_nik
from kpm.selectors.components import COMMITMENT_COMPONENTS
from pendamping.models import (
    AttendanceStatus,
    EconomicAssessment,
    P2k2Module,
    Visit,
    VisitPurpose,
)
from pendamping.rules import months_back
from pendamping.selectors import p2k2_coverage

PROFILE_VISITS = 20
PROFILE_ASSESSMENTS = 10
COMMITMENT_MONTHS = 6
COMPLIANCE_MONTHS = 3  # readiness: commitment compliance over the last three months


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
class Readiness:
    """What shows how ready a family is to graduate, beside its graduation status (DESIGN §5)."""

    p2k2_attended: int  # distinct P2K2 sessions attended, over the whole catalogue
    p2k2_sessions: int
    p2k2_modules: int  # modules with at least one session attended
    p2k2_module_total: int
    verified: int  # member-months verified over the last COMPLIANCE_MONTHS months
    compliant: int
    months_since_visit: int | None  # whole months; None when never visited

    @property
    def compliance_pct(self) -> int | None:
        """Compliant member-months as a whole percentage; None when nothing was verified."""
        return self.compliant * 100 // self.verified if self.verified else None


@dataclass(frozen=True)
class GraduationStatus:
    """The nightly assessment of the KPM as the profile shows it; `assessment` is None until
    the KPM has been assessed."""

    assessment: KpmAssessment | None
    reasons: list[ReasonLine]
    # Why there is no projected natural graduation date: "no_component" (none left),
    # "lifelong" (a lansia or severely disabled member), "lansia_ahead" (a member turns lansia
    # first); "" when there is a date or no assessment.
    no_projection: str


@dataclass(frozen=True)
class KpmProfile:
    kpm: Kpm
    members: list[MemberRow]
    benefit: Benefit
    graduation: GraduationStatus
    readiness: Readiness
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


def _commitments(
    kpm: Kpm, members: list[MemberRow], *, on: date
) -> tuple[list[date], list[CommitmentRow], dict[tuple[int, date], bool]]:
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
    return months, shown, found


def whole_months(start: date, end: date) -> int:
    """Whole months from `start` to `end` (0 within the first month)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def _readiness(
    kpm: Kpm, p2k2: list[ModuleCoverage], found: dict[tuple[int, date], bool], *, on: date
) -> Readiness:
    recent = set(months_back(on, COMPLIANCE_MONTHS))
    verified = [compliant for (_member, month), compliant in found.items() if month in recent]
    last = kpm.last_visit_on
    return Readiness(
        p2k2_attended=sum(m.attended for m in p2k2),
        p2k2_sessions=sum(m.sessions for m in p2k2),
        p2k2_modules=sum(1 for m in p2k2 if m.attended),
        p2k2_module_total=len(p2k2),
        verified=len(verified),
        compliant=sum(verified),
        months_since_visit=max(whole_months(last, on), 0) if last else None,
    )


def _no_projection(assessment: KpmAssessment, members: list[MemberRow]) -> str:
    if assessment.projected_graduation is not None:
        return ""
    if assessment.component_count == 0:
        return "no_component"
    lifelong = any(
        m.component == Component.LANSIA
        or (m.anggota.disabilitas_berat and m.anggota.status == MemberStatus.ACTIVE)
        for m in members
    )
    return "lifelong" if lifelong else "lansia_ahead"


def graduation_status(kpm: Kpm, members: list[MemberRow]) -> GraduationStatus:
    """The KPM's stored assessment (loaded with the KPM: select_related), its reasons in
    words, and why there is no projected date when there is none."""
    try:
        assessment: KpmAssessment | None = kpm.graduation_assessment
    except KpmAssessment.DoesNotExist:
        assessment = None
    if assessment is None:
        return GraduationStatus(assessment=None, reasons=[], no_projection="")
    return GraduationStatus(
        assessment=assessment,
        reasons=reason_lines(assessment.reasons),
        no_projection=_no_projection(assessment, members),
    )


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
    """Everything the profile page shows about one KPM, in a fixed number of queries. Load
    the KPM with select_related("graduation_assessment") to save one of them."""
    members, benefit = _members(kpm, on=on, policy=policy, full_nik=full_nik)
    months, commitments, found = _commitments(kpm, members, on=on)
    p2k2 = p2k2_by_module(kpm)
    return KpmProfile(
        kpm=kpm,
        members=members,
        benefit=benefit,
        graduation=graduation_status(kpm, members),
        readiness=_readiness(kpm, p2k2, found, on=on),
        desil_history=list(kpm.desil_history.order_by("-recorded_on", "-id")[:20]),
        visits=_visits(kpm),
        assessments=list(kpm.assessments.order_by("-assessed_on", "-id")[:PROFILE_ASSESSMENTS]),
        commitment_months=months,
        commitments=commitments,
        p2k2=p2k2,
    )
