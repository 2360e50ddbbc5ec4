"""Reads for the caseload list and the Beranda work lists; bounded grouped queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from graduasi.rules import Policy
from kpm.models import Anggota, Kpm, KpmStatus, MemberStatus
from kpm.selectors.components import (
    kpm_commitment_due,
    visit_due,
)
from pendamping.models import (
    MeetingStatus,
    P2k2Meeting,
)
from pengguna.models import User


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


# Rows per page of Daftar KPM (read also by the list of pages a pendamping's phone keeps).
CASELOAD_PER_PAGE = 25


def caseload_rows(user: User) -> QuerySet[Kpm]:
    """The KPM `user` may see, with what a caseload row shows: pengurus name, desa name,
    active member count, pendamping and graduation status (None: not assessed), in one query
    per page."""
    return (
        Kpm.objects.visible_to(user)
        .select_related("desa", "pendamping__user")
        .with_pengurus_name()
        .annotate(
            member_count=_active_member_count(),
            graduasi_status=F("graduation_assessment__status"),
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
    rows = active.select_related("desa").with_pengurus_name()
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
