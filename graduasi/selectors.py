"""Reads of the programme policy, and of graduation progress for the Beranda."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q

from graduasi.models import (
    CANDIDATE_STATUSES,
    COUNTED_STATUSES,
    PENDING_STATUSES,
    AssessmentStatus,
    PolicyVersion,
    Proposal,
    ProposalStatus,
)
from graduasi.reasons import reason_lines
from graduasi.rules import DEFAULT_POLICY, Member, Policy, Progress, target_progress
from kpm.models import Anggota, Kpm, KpmQuerySet, KpmStatus, MemberStatus
from pendamping.models import Pendamping
from pengguna.models import User

POLICY_FIELDS = tuple(f.name for f in fields(Policy))


def policy_from(version: PolicyVersion) -> Policy:
    """The rules' view of one policy version."""
    return Policy(**{name: getattr(version, name) for name in POLICY_FIELDS})


def policy_on(d: date) -> Policy:
    """The policy in force on a date: the latest version from on or before it, else the defaults."""
    version = PolicyVersion.objects.filter(valid_from__lte=d).order_by("-valid_from").first()
    return policy_from(version) if version is not None else DEFAULT_POLICY


def member_facts(anggota: Anggota) -> Member:
    """The facts graduasi.rules needs about one member, from its row."""
    return Member(
        id=anggota.pk,
        birth_date=anggota.tanggal_lahir,
        sex=anggota.jenis_kelamin,
        pregnant=anggota.hamil,
        due_date=anggota.perkiraan_lahir,
        delivered_on=anggota.tanggal_persalinan,
        school_level=anggota.jenjang_sekolah,
        severe_disability=anggota.disabilitas_berat,
        active=anggota.status == MemberStatus.ACTIVE,
        left_on=anggota.status_changed_on if anggota.status != MemberStatus.ACTIVE else None,
    )


# The Beranda: progress toward the yearly target, and candidates without a proposal ---------


@dataclass(frozen=True)
class TargetOverview:
    """A pendamping's year so far: progress toward the target, proposals awaiting a decision."""

    progress: Progress
    pending: int


def pendamping_target(pendamping: Pendamping, *, on: date, policy: Policy) -> TargetOverview:
    """Graduations credited to the pendamping and approved in `on`'s calendar year (in the
    project's time zone, Asia/Jakarta) against the target, and their proposals submitted or
    returned for revision; one query."""
    counts = Proposal.objects.filter(pendamping=pendamping).aggregate(
        approved=Count("pk", filter=Q(status=ProposalStatus.APPROVED, decided_at__year=on.year)),
        pending=Count("pk", filter=Q(status__in=PENDING_STATUSES)),
    )
    progress = target_progress(approved=counts["approved"], on=on, policy=policy)
    return TargetOverview(progress=progress, pending=counts["pending"])


def graduation_candidates(user: User) -> KpmQuerySet:
    """Active KPM `user` may see that are assessed alamiah or sejahtera and have no open or
    approved proposal."""
    proposed = Proposal.objects.filter(kpm=OuterRef("pk"), status__in=COUNTED_STATUSES)
    return (
        Kpm.objects.visible_to(user)
        .filter(status=KpmStatus.ACTIVE, graduation_assessment__status__in=CANDIDATE_STATUSES)
        .exclude(Exists(proposed))
    )


@dataclass(frozen=True)
class Candidate:
    """One candidate as the Beranda lists it, with the reasons that make it one, in words."""

    kpm: Kpm
    status: str
    status_label: str
    reasons: list[str]


@dataclass(frozen=True)
class Candidates:
    alamiah: int
    sejahtera: int
    first: list[Candidate]

    @property
    def total(self) -> int:
        return self.alamiah + self.sejahtera


def _candidate(kpm: Kpm) -> Candidate:
    assessment = kpm.graduation_assessment
    holding = [
        line.sentence
        for line in reason_lines(assessment.reasons)
        if line.holds and line.status == assessment.status
    ]
    label = str(AssessmentStatus(assessment.status).label)
    return Candidate(kpm=kpm, status=assessment.status, status_label=label, reasons=holding)


def candidate_overview(user: User, *, shown: int = 10) -> Candidates:
    """How many candidates without a proposal `user` sees per status, and the first `shown`
    of them (alamiah first, then the longest in their status); two queries, one if none
    are shown."""
    candidates = graduation_candidates(user)
    counts = candidates.aggregate(
        alamiah=Count("pk", filter=Q(graduation_assessment__status=AssessmentStatus.ALAMIAH)),
        sejahtera=Count("pk", filter=Q(graduation_assessment__status=AssessmentStatus.SEJAHTERA)),
    )
    first: list[Candidate] = []
    if shown and counts["alamiah"] + counts["sejahtera"]:
        rows = (
            candidates.select_related("desa", "graduation_assessment")
            .with_pengurus_name()
            .order_by(
                "graduation_assessment__status", "graduation_assessment__status_since", "kpm_id"
            )
        )
        first = [_candidate(kpm) for kpm in rows[:shown]]
    return Candidates(alamiah=counts["alamiah"], sejahtera=counts["sejahtera"], first=first)
