"""Reads for the proposal pages: one proposal with its history, the Dinsos queue and its
summary, a pendamping's own proposals, and what the KPM profile and the Beranda show. Every
read starts from Proposal.objects.visible_to(user) (pengguna.scoping)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateField,
    DurationField,
    Max,
    Prefetch,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction, AuditEvent
from graduasi.models import (
    OPEN_STATUSES,
    GraduationType,
    Proposal,
    ProposalStatus,
)
from graduasi.models.proposal import ProposalQuerySet
from kpm.models import Kpm
from pendamping.models import EconomicAssessment, Pendamping
from pengguna.models import Role, User
from pengguna.scoping import get_visible_or_404
from wilayah.models import Kecamatan

DECIDED_DAYS = 30  # the queue's "recently decided" tab looks this far back
DECIDED_STATUSES = (ProposalStatus.APPROVED, ProposalStatus.REJECTED)


class Median(Aggregate):
    """PostgreSQL's median of an interval (or number): percentile_cont(0.5)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _age(field: str, on: date) -> Any:
    """Days from the Asia/Jakarta date of `field` to `on`, as an interval."""
    return Value(on, output_field=DateField()) - TruncDate(field)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _days(value: timedelta | None) -> int | None:
    return None if value is None else value.days


def with_kpm(queryset: ProposalQuerySet) -> ProposalQuerySet:
    """Proposals with their KPM (pengurus name, desa, kecamatan) in one more query."""
    kpm = Kpm.objects.with_pengurus_name().select_related("desa__kecamatan")
    return queryset.prefetch_related(Prefetch("kpm", queryset=kpm))


# One proposal --------------------------------------------------------------------------------


def proposal_for_page(user: User, pk: int) -> Proposal:
    """The proposal `pk` as its page shows it; 404 when `user` may not see it."""
    queryset = with_kpm(
        Proposal.objects.select_related(
            "pendamping__user", "created_by", "decided_by", "economic_assessment"
        )
    )
    return get_visible_or_404(queryset, user, pk=pk)


def latest_economic_assessment(kpm_pk: int) -> EconomicAssessment | None:
    """The KPM's latest economic assessment: the one a sejahtera proposal will carry."""
    return EconomicAssessment.objects.filter(kpm_id=kpm_pk).order_by("-assessed_on", "-id").first()


@dataclass(frozen=True)
class HistoryRow:
    """One step in a proposal's history as its page shows it."""

    at: datetime
    who: str
    role: str
    what: str
    note: str


def _status_label(value: str | None) -> str:
    if value in ProposalStatus.values:
        return str(ProposalStatus(value).label)
    return "–"


def _what(event: AuditEvent) -> str:
    changes = event.changes or {}
    if event.action == AuditAction.CREATE:
        return _("Draf usulan dibuat")
    if "status" in changes:
        before, after = changes["status"]
        return f"{_status_label(before)} → {_status_label(after)}"
    if "signed_statement" in changes:
        had = changes["signed_statement"][0]
        return _("Surat pernyataan diganti") if had else _("Surat pernyataan dilampirkan")
    return _("Usulan diubah")


def _note(event: AuditEvent) -> str:
    note = (event.changes or {}).get("note")
    return str(note[1] or "") if isinstance(note, list) and len(note) == 2 else ""


def proposal_history(proposal: Proposal) -> list[HistoryRow]:
    """The audit rows of `proposal`, oldest first: who did what, when, with the note."""
    events = (
        AuditEvent.objects.filter(object_type="graduasi.proposal", object_id=str(proposal.pk))
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
    rows = []
    for event in events:
        actor = event.actor
        rows.append(
            HistoryRow(
                at=event.occurred_at,
                who=(actor.get_full_name() or actor.get_username()) if actor else event.actor_label,
                role=actor.get_role_display() if actor else "",
                what=_what(event),
                note=_note(event),
            )
        )
    return rows


def proposal_latest_for_kpm(kpm: Kpm) -> Proposal | None:
    """The KPM's newest proposal, whatever its state."""
    return (
        Proposal.objects.filter(kpm=kpm)
        .select_related("decided_by")
        .order_by("-created_at", "-id")
        .first()
    )


def open_proposal_of(kpm: Kpm) -> Proposal | None:
    """The KPM's proposal still in the workflow (draf, diajukan, dikembalikan), if any."""
    return Proposal.objects.filter(kpm=kpm, status__in=OPEN_STATUSES).first()


# The Dinsos queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSummary:
    """What waits on Dinsos and on pendamping, in the user's scope."""

    pending: int
    median_days: float | None
    oldest_days: int | None
    returned: int


def queue_summary(user: User, *, on: date) -> QueueSummary:
    """Pending count, median and oldest age in days, and returned proposals: one query."""
    submitted = Q(status=ProposalStatus.SUBMITTED)
    age = _age("submitted_at", on)
    row = Proposal.objects.visible_to(user).aggregate(
        pending=Count("pk", filter=submitted),
        median=Median(age, filter=submitted),
        oldest=Max(age, filter=submitted, output_field=DurationField()),
        returned=Count("pk", filter=Q(status=ProposalStatus.RETURNED)),
    )
    median = row["median"]
    return QueueSummary(
        pending=row["pending"],
        median_days=None if median is None else round(median / timedelta(days=1), 1),
        oldest_days=_days(row["oldest"]),
        returned=row["returned"],
    )


# Tabs of the queue: which proposals, ordered how, and the moment each row's age counts from.
QUEUE_TABS: dict[str, tuple[Q, tuple[str, ...], str]] = {
    "diajukan": (Q(status=ProposalStatus.SUBMITTED), ("submitted_at", "id"), "submitted_at"),
    "dikembalikan": (Q(status=ProposalStatus.RETURNED), ("decided_at", "id"), "decided_at"),
    "diputuskan": (Q(status__in=DECIDED_STATUSES), ("-decided_at", "-id"), "decided_at"),
}


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters; None or "" means not filtered."""

    tab: str = "diajukan"
    kecamatan: str = ""
    type: str = ""
    pendamping: int | None = None
    older_than: int | None = None


def queue_proposals(user: User, filters: QueueFilters, *, on: date) -> ProposalQuerySet:
    """The queue's rows: in the user's scope, in the tab, filtered, oldest waiting first."""
    where, order, since = QUEUE_TABS.get(filters.tab, QUEUE_TABS["diajukan"])
    queryset = Proposal.objects.visible_to(user).filter(where)
    if filters.tab == "diputuskan":
        queryset = queryset.filter(decided_at__gte=_start_of(on - timedelta(days=DECIDED_DAYS)))
    if filters.kecamatan:
        queryset = queryset.filter(kpm__kecamatan_code=filters.kecamatan)
    if filters.type:
        queryset = queryset.filter(type=filters.type)
    if filters.pendamping:
        queryset = queryset.filter(pendamping_id=filters.pendamping)
    if filters.older_than is not None:
        before = _start_of(on - timedelta(days=filters.older_than))
        queryset = queryset.filter(**{f"{since}__lt": before})
    queryset = queryset.select_related("pendamping__user", "decided_by", "economic_assessment")
    return with_kpm(queryset.annotate(age=_age(since, on)).order_by(*order))


def queue_kecamatan_choices(user: User) -> list[tuple[str, str]]:
    """Kecamatan to filter by: the officer's kabupaten's, else those with proposals in scope."""
    if user.role == Role.DINSOS and user.scope_region_code:
        kecamatan = Kecamatan.objects.filter(kabupaten_id=user.scope_region_code)
    else:
        codes = Proposal.objects.visible_to(user).values("kpm__kecamatan_code")
        kecamatan = Kecamatan.objects.filter(code__in=codes)
    return list(kecamatan.order_by("name").values_list("code", "name"))


def queue_pendamping_choices(user: User) -> list[tuple[int, str]]:
    """Pendamping who have proposals the user may see, by name."""
    ids = Proposal.objects.visible_to(user).values("pendamping_id")
    rows = Pendamping.objects.filter(pk__in=ids).select_related("user")
    return sorted(((p.pk, str(p)) for p in rows), key=lambda row: row[1].lower())


# A pendamping's own proposals ----------------------------------------------------------------


@dataclass(frozen=True)
class OwnProposals:
    """A pendamping's proposals by what they need: returned first, then drafts, submitted,
    and those decided this year."""

    returned: list[Proposal]
    drafts: list[Proposal]
    submitted: list[Proposal]
    decided: list[Proposal]

    @property
    def total(self) -> int:
        return len(self.returned) + len(self.drafts) + len(self.submitted) + len(self.decided)


def own_proposals(user: User, *, on: date) -> OwnProposals:
    """The proposals credited to `user` as pendamping that are open or decided this year."""
    decided_this_year = Q(status__in=DECIDED_STATUSES, decided_at__gte=_start_of(on.replace(1, 1)))
    rows = list(
        with_kpm(
            Proposal.objects.visible_to(user)
            .filter(pendamping__user=user)
            .filter(Q(status__in=OPEN_STATUSES) | decided_this_year)
            .select_related("economic_assessment")
            .order_by("created_at", "id")
        )
    )

    def having(status: str) -> list[Proposal]:
        return [p for p in rows if p.status == status]

    decided = sorted(
        (p for p in rows if p.status in DECIDED_STATUSES),
        key=lambda p: p.decided_at or p.created_at,
        reverse=True,
    )
    return OwnProposals(
        returned=having(ProposalStatus.RETURNED),
        drafts=having(ProposalStatus.DRAFT),
        submitted=having(ProposalStatus.SUBMITTED),
        decided=decided,
    )


NEEDS_ACTION_SHOWN = 10


def proposals_needing_action(user: User) -> list[Proposal]:
    """A pendamping's returned proposals (oldest return first), then drafts: one query."""
    returned_first = Case(When(status=ProposalStatus.RETURNED, then=0), default=1)
    rows = (
        Proposal.objects.visible_to(user)
        .filter(pendamping__user=user, status__in=(ProposalStatus.RETURNED, ProposalStatus.DRAFT))
        .select_related("kpm")
        .order_by(returned_first, "decided_at", "created_at", "id")
    )
    return list(rows[:NEEDS_ACTION_SHOWN])


def type_label(value: str) -> str:
    return str(GraduationType(value).label) if value in GraduationType.values else value
