"""Reads for the waiting list and the kabupaten's funded quota (DESIGN §5 Workflow).

A household on the DTSEN waiting list is a KPM with status `menunggu` (imported so). For such
a KPM `pkh_entry_date` holds the day it joined the waiting list: "waiting since". It keeps that
date until it is enrolled. The list is ranked by desil (poorest first, no desil last), then by
waiting since (longest first), then by KPM id. A household in an enrolment proposal has left
the ranking: it is proposed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from kpm.models import (
    Anggota,
    EnrolmentCandidate,
    EnrolmentProposal,
    FundedQuota,
    Kpm,
    KpmQuerySet,
    KpmStatus,
)
from pengguna.scoping import kabupaten_visibility
from wilayah.models import Kabupaten

WAITING_PAGE_SIZE = 50
PROPOSALS_SHOWN = 20


def visible_kabupaten(user: Any) -> QuerySet[Kabupaten]:
    """The kabupaten/kota whose quota and waiting list `user` may see (the rule of
    pengguna.scoping.kabupaten_visibility, applied to the kabupaten's own code)."""
    return Kabupaten.objects.filter(kabupaten_visibility(user))


def visible_enrolment_proposals(user: Any) -> QuerySet[EnrolmentProposal]:
    """Enrolment proposals of the kabupaten `user` may see."""
    return EnrolmentProposal.objects.visible_to(user)


def visible_quotas(user: Any) -> QuerySet[FundedQuota]:
    """Funded quotas of the kabupaten `user` may see (as visible_enrolment_proposals)."""
    return FundedQuota.objects.filter(kabupaten__in=visible_kabupaten(user))


def quota_on(kabupaten_code: str, on: date) -> FundedQuota | None:
    """The funded quota that applies on `on`: the latest one valid from that day or before."""
    return (
        FundedQuota.objects.filter(kabupaten_id=kabupaten_code, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )


@dataclass(frozen=True)
class WaitingNumbers:
    """The numbers at the top of the waiting list, for one kabupaten in `on`'s year."""

    quota: FundedQuota | None
    active: int
    graduated: int  # graduations this year
    exited: int  # exits this year of KPM that were being paid
    proposed: int  # households proposed for enrolment this year
    pending: int  # proposed (any year) and still waiting to be enrolled

    @property
    def freed(self) -> int:
        return self.graduated + self.exited

    @property
    def open_places(self) -> int:
        """Places freed this year that no proposal has taken yet."""
        return max(0, self.freed - self.proposed)

    @property
    def room(self) -> int | None:
        """Places under the quota not held by an active KPM or a pending candidate."""
        if self.quota is None:
            return None
        return self.quota.funded_kpm - self.active - self.pending


def waiting_numbers(kabupaten_code: str, *, on: date) -> WaitingNumbers:
    """Quota, active KPM, places freed and proposed this year; three queries.

    A place is freed by a graduation (by graduated_on) or by the exit (by exited_on) of a KPM
    that was being paid; a household leaving the waiting list held no funded place."""
    year = on.year
    kpm = Kpm.objects.filter(kabupaten_code=kabupaten_code).aggregate(
        active=Count("pk", filter=Q(status=KpmStatus.ACTIVE)),
        graduated=Count("pk", filter=Q(graduated_on__year=year)),
        exited=Count(
            "pk",
            filter=Q(status=KpmStatus.EXITED, exited_on__year=year, last_paid_year__isnull=False),
        ),
    )
    candidates = EnrolmentCandidate.objects.filter(proposal__kabupaten_id=kabupaten_code).aggregate(
        proposed=Count("pk", filter=Q(proposal__proposed_at__year=year)),
        pending=Count("pk", filter=Q(kpm__status=KpmStatus.WAITING)),
    )
    return WaitingNumbers(quota=quota_on(kabupaten_code, on), **kpm, **candidates)


def waiting_ranked(kabupaten_code: str) -> KpmQuerySet:
    """The kabupaten's waiting households not yet proposed, in rank order."""
    proposed = EnrolmentCandidate.objects.filter(kpm=OuterRef("pk"))
    return (
        Kpm.objects.filter(kabupaten_code=kabupaten_code, status=KpmStatus.WAITING)
        .exclude(Exists(proposed))
        .order_by(F("desil").asc(nulls_last=True), "pkh_entry_date", "kpm_id")
    )


@dataclass(frozen=True)
class WaitingRow:
    rank: int
    kpm: Kpm  # with pengurus_nama and its desa
    days: int  # waiting for this many days


def waiting_page(kabupaten_code: str, *, page: Any, on: date) -> tuple[Page, list[WaitingRow]]:
    """One page of the ranking with each household's rank and days waiting; two queries."""
    ranked = waiting_ranked(kabupaten_code).select_related("desa").with_pengurus_name()
    current = Paginator(ranked, WAITING_PAGE_SIZE).get_page(page)
    first = current.start_index()
    rows = [
        WaitingRow(rank=first + i, kpm=kpm, days=(on - kpm.pkh_entry_date).days)
        for i, kpm in enumerate(current.object_list)
    ]
    return current, rows


def enrolment_proposals(kabupaten_code: str) -> list[EnrolmentProposal]:
    """The kabupaten's latest enrolment proposals, newest first, with how many households."""
    return list(
        EnrolmentProposal.objects.filter(kabupaten_id=kabupaten_code)
        .select_related("proposed_by")
        .annotate(household_count=Count("candidates"))
        .order_by("-proposed_at", "-id")[:PROPOSALS_SHOWN]
    )


def enrolment_candidates(proposal: EnrolmentProposal) -> QuerySet[EnrolmentCandidate]:
    """The households of a proposal in rank order, with desa, status and pengurus name."""
    pengurus = Anggota.objects.filter(kpm=OuterRef("kpm_id"), is_pengurus=True).values("nama")
    return (
        proposal.candidates.select_related("kpm__desa")
        .annotate(pengurus_nama=Subquery(pengurus[:1], output_field=CharField()))
        .order_by("rank")
    )
