"""Reads for the pendamping's commitment grid and P2K2 pages; each a fixed number of queries."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Q, QuerySet

from graduasi.rules import Policy, member_component
from graduasi.selectors import member_facts, policy_on
from kpm.models import Anggota, Kpm, KpmQuerySet, KpmStatus, MemberStatus
from pendamping.models import (
    AttendanceStatus,
    CommitmentKind,
    CommitmentVerification,
    MeetingStatus,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Module,
    P2k2Session,
    Pendamping,
    Submission,
    Visit,
)
from pendamping.rules import (
    Commitment,
    commitment_owed,
    coverage_pct,
    months_back,
    record_version,
)
from wilayah.models import Desa

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from pengguna.models import User

HISTORY_MONTHS = 6


# --- submissions replayed from a phone's queue -----------------------------------------


def submission_seen(key: uuid.UUID | None) -> bool:
    """Whether a grid or roll-call was accepted under `key` (to tell a replay in a reply)."""
    return key is not None and Submission.objects.filter(key=key).exists()


def visit_seen(key: uuid.UUID | None) -> bool:
    """Whether a visit was stored under `key` (to tell a replay in a reply)."""
    return key is not None and Visit.objects.filter(idempotency_key=key).exists()


# --- commitments -------------------------------------------------------------------------


def commitment_members(
    kpm: Kpm, *, month: date, policy: Policy | None = None
) -> list[tuple[Anggota, Commitment]]:
    """The KPM's active members that owe a commitment in `month` (judged on its first day)."""
    policy = policy or policy_on(month)
    owed = []
    for anggota in Anggota.objects.filter(kpm=kpm, status=MemberStatus.ACTIVE).order_by(
        "tanggal_lahir", "id"
    ):
        component = member_component(member_facts(anggota), on=month, policy=policy)
        kind = commitment_owed(component.value if component else None)
        if kind is not None:
            owed.append((anggota, kind))
    return owed


@dataclass(frozen=True)
class CommitmentRow:
    """One member's line of the grid: what they owe, this month's record, and the history."""

    anggota: Anggota
    kind: Commitment
    current: CommitmentVerification | None
    history: list[tuple[date, bool | None]]  # (month, compliant or None when not recorded)

    @property
    def kind_label(self) -> str:
        return str(CommitmentKind(self.kind.value).label)

    @property
    def version(self) -> str:
        return commitment_version(self.current)


def commitment_version(row: CommitmentVerification | None) -> str:
    """The base version of one member's month as a form shows it ("" while nothing is recorded)."""
    if row is None:
        return ""
    return record_version(row.kind, row.attendance_pct, row.checkup_done)


def commitment_grid(kpm: Kpm, *, month: date) -> list[CommitmentRow]:
    """The grid for one KPM and month, with the last HISTORY_MONTHS months per member."""
    owed = commitment_members(kpm, month=month)
    window = months_back(month, HISTORY_MONTHS)
    recorded: dict[tuple[int, date], CommitmentVerification] = {
        (cv.anggota_id, cv.month): cv
        for cv in CommitmentVerification.objects.filter(
            anggota__in=[anggota.pk for anggota, _kind in owed], month__range=(window[0], month)
        )
    }
    rows = []
    for anggota, kind in owed:
        history = []
        for m in window:
            found = recorded.get((anggota.pk, m))
            history.append((m, found.compliant if found else None))
        rows.append(CommitmentRow(anggota, kind, recorded.get((anggota.pk, month)), history))
    return rows


def kpm_latest_verifications(kpm_id: int) -> list[tuple[date, bool]]:
    """(month, compliant) of every verification in the KPM's most recent recorded month."""
    latest = CommitmentVerification.objects.filter(kpm_id=kpm_id).aggregate(m=Max("month"))["m"]
    if latest is None:
        return []
    rows = CommitmentVerification.objects.filter(kpm_id=kpm_id, month=latest)
    return [(latest, compliant) for compliant in rows.values_list("compliant", flat=True)]


# --- P2K2 --------------------------------------------------------------------------------


def p2k2_session_total() -> int:
    """How many sessions the whole P2K2 catalogue has."""
    return P2k2Session.objects.count()


@dataclass(frozen=True)
class GroupOverview:
    """One line of the group list."""

    group: P2k2Group
    member_count: int
    last_held_on: date | None
    coverage_pct: int  # share of the catalogue's sessions the group has held


def p2k2_groups_overview(user: User | AnonymousUser) -> list[GroupOverview]:
    """The groups `user` may see, with member count, last held meeting and module coverage."""
    held = Q(meetings__status=MeetingStatus.HELD)
    rows: Any = (
        P2k2Group.objects.visible_to(user)
        .select_related("desa", "pendamping__user")
        .annotate(
            n_members=Count("members", distinct=True),
            last_held_on=Max("meetings__scheduled_on", filter=held),
            sessions_held=Count("meetings__session", filter=held, distinct=True),
        )
        .order_by("pendamping__user__username", "name")
    )
    total = p2k2_session_total()
    return [
        GroupOverview(g, g.n_members, g.last_held_on, coverage_pct(g.sessions_held, total))
        for g in rows
    ]


def p2k2_group_members(group: P2k2Group) -> QuerySet[Kpm]:
    """The group's members, each with the name of its pengurus."""
    return group.members.with_pengurus_name().order_by("kpm_id")


def p2k2_group_meetings(group: P2k2Group) -> QuerySet[P2k2Meeting]:
    """The group's meetings, newest first, with their session and how many attended."""
    return (
        group.meetings.select_related("session__module")
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            recorded=Count("attendance"),
        )
        .order_by("-scheduled_on", "-id")
    )


def p2k2_meeting_roll(meeting: P2k2Meeting) -> list[tuple[Kpm, str | None]]:
    """Each KPM of the roll-call with its recorded status: current members, then any former
    member already recorded for this meeting."""
    recorded = dict(meeting.attendance.values_list("kpm_id", "status"))
    members = list(p2k2_group_members(meeting.group))
    member_ids = {kpm.pk for kpm in members}
    former = [pk for pk in recorded if pk not in member_ids]
    if former:
        members += list(Kpm.objects.filter(pk__in=former).with_pengurus_name())
    return [(kpm, recorded.get(kpm.pk)) for kpm in members]


def roll_version(status: str, held_on: date, recorded: dict[int, str]) -> str:
    """The base version of a meeting's roll-call: its status, date and every recorded line."""
    lines = (f"{kpm_id}:{recorded[kpm_id]}" for kpm_id in sorted(recorded))
    return record_version(status, held_on.isoformat(), *lines)


def p2k2_modules() -> list[P2k2Module]:
    """The catalogue's modules in order, each with its sessions."""
    return list(P2k2Module.objects.prefetch_related("sessions").order_by("order"))


def p2k2_coverage(kpm_ids: Iterable[int]) -> dict[int, dict[str, tuple[int, int]]]:
    """Per KPM and module: (distinct sessions attended at held meetings, sessions in module).

    Every requested KPM gets every module of the catalogue, with zero where none attended.
    """
    ids = list(kpm_ids)
    totals = dict(
        P2k2Module.objects.annotate(n=Count("sessions")).order_by("order").values_list("code", "n")
    )
    attended: dict[int, dict[str, int]] = defaultdict(dict)
    grouped: Any = (
        P2k2Attendance.objects.filter(
            kpm_id__in=ids,
            status=AttendanceStatus.PRESENT,
            meeting__status=MeetingStatus.HELD,
        )
        .values_list("kpm_id", "meeting__session__module__code")
        .annotate(n=Count("meeting__session", distinct=True))
        .order_by()
    )
    for kpm_id, code, n in grouped:
        attended[kpm_id][code] = n
    return {
        kpm_id: {code: (attended[kpm_id].get(code, 0), total) for code, total in totals.items()}
        for kpm_id in ids
    }


def p2k2_caseload(pendamping: Pendamping) -> KpmQuerySet:
    """The pendamping's own active KPM: the only ones they may put in a group."""
    return Kpm.objects.filter(pendamping=pendamping, status=KpmStatus.ACTIVE)


def p2k2_caseload_desa(pendamping: Pendamping) -> QuerySet[Desa]:
    """The desa where the pendamping has active KPM, for the group's desa choices."""
    codes = p2k2_caseload(pendamping).values("desa_id")
    return Desa.objects.filter(code__in=codes).order_by("name", "code")


def p2k2_candidates(pendamping: Pendamping, desa_code: str | None) -> QuerySet[Kpm]:
    """The pendamping's active KPM in one desa, with their pengurus' name."""
    if not desa_code:
        return Kpm.objects.none()
    return (
        p2k2_caseload(pendamping).filter(desa_id=desa_code).with_pengurus_name().order_by("kpm_id")
    )


def p2k2_member_choices(group: P2k2Group) -> QuerySet[Kpm]:
    """Who may be ticked on a group's member list: its current members, and the
    pendamping's other active KPM in the group's desa."""
    eligible = Q(pendamping_id=group.pendamping_id, status=KpmStatus.ACTIVE, desa_id=group.desa_id)
    return (
        Kpm.objects.filter(eligible | Q(pk__in=group.members.values("pk")))
        .with_pengurus_name()
        .order_by("kpm_id")
    )
