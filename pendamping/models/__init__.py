"""Facilitators and their work: caseload, assessments, visits, commitments, P2K2."""

from pendamping.models.caseload import (
    AssessmentSource,
    BusinessStatus,
    EconomicAssessment,
    Pendamping,
)
from pendamping.models.p2k2 import (
    AttendanceStatus,
    MeetingStatus,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Module,
    P2k2Session,
)
from pendamping.models.submissions import Submission, SubmissionKind
from pendamping.models.visits import CommitmentKind, CommitmentVerification, Visit, VisitPurpose

__all__ = [
    "AssessmentSource",
    "AttendanceStatus",
    "BusinessStatus",
    "CommitmentKind",
    "CommitmentVerification",
    "EconomicAssessment",
    "MeetingStatus",
    "P2k2Attendance",
    "P2k2Group",
    "P2k2Meeting",
    "P2k2Module",
    "P2k2Session",
    "Pendamping",
    "Submission",
    "SubmissionKind",
    "Visit",
    "VisitPurpose",
]
