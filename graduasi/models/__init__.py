"""Graduation: the dated policy, the nightly assessment and its summaries, and proposals."""

from graduasi.models.assessment import (
    CANDIDATE_STATUSES,
    PROGRESS_BUCKETS,
    AssessmentStatus,
    KpmAssessment,
    RegionLevel,
    RegionMonth,
    RegionSummary,
    TargetProgress,
)
from graduasi.models.feed import GraduationFeed
from graduasi.models.pipeline import PipelineBatch, PipelineRun, RunStatus, RunTrigger
from graduasi.models.policy import PolicyVersion
from graduasi.models.proposal import (
    COUNTED_STATUSES,
    OPEN_STATUSES,
    PENDING_STATUSES,
    GraduationType,
    Proposal,
    ProposalStatus,
)

__all__ = [
    "CANDIDATE_STATUSES",
    "COUNTED_STATUSES",
    "OPEN_STATUSES",
    "PENDING_STATUSES",
    "PROGRESS_BUCKETS",
    "AssessmentStatus",
    "GraduationFeed",
    "GraduationType",
    "KpmAssessment",
    "PipelineBatch",
    "PipelineRun",
    "PolicyVersion",
    "Proposal",
    "ProposalStatus",
    "RegionLevel",
    "RegionMonth",
    "RegionSummary",
    "RunStatus",
    "RunTrigger",
    "TargetProgress",
]
