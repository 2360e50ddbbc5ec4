"""Reads for the KPM profile: household, members, benefit and every history, bounded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    Q,
)

from graduasi.rules import (
    COMPONENT_LABELS,
    Benefit,
    Component,
    Policy,
    age_on,
    household_benefit,
)
from graduasi.selectors import member_facts
from kpm.models import Anggota, DesilHistory, Kpm
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
