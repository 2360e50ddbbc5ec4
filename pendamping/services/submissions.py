"""Idempotency keys of the commitment grid and the P2K2 roll-call: a form accepted once under
a key is found again by that key, so a replay from an offline queue writes nothing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from config.errors import DomainError
from pendamping.models import Submission, SubmissionKind


def submission_accepted(
    *,
    key: uuid.UUID,
    kind: SubmissionKind,
    kpm_id: int | None = None,
    month: date | None = None,
    meeting_id: int | None = None,
) -> bool:
    """Whether a submission under `key` was already accepted for this same record; a key
    that was used for another record is refused. Call it holding the record's lock."""
    found = Submission.objects.filter(key=key).first()
    if found is None:
        return False
    same_record = (kind, kpm_id, month, meeting_id)
    if (found.kind, found.kpm_id, found.month, found.meeting_id) != same_record:
        raise DomainError(
            _("Formulir ini sudah dipakai untuk data lain; buka formulir baru."),
            code="idempotency_key_reused",
        )
    return True


def submission_record(
    *,
    key: uuid.UUID,
    kind: SubmissionKind,
    actor: Any,
    written: int,
    kpm_id: int | None = None,
    month: date | None = None,
    meeting_id: int | None = None,
) -> Submission:
    """Keep an accepted submission under its key, in the transaction that wrote it."""
    return Submission.objects.create(
        key=key, kind=kind, actor=actor, kpm_id=kpm_id, month=month, meeting_id=meeting_id,
        written=written,
    )  # fmt: skip
