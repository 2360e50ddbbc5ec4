"""Writes of graduasi used by other apps: the background re-assessment of changed KPM."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

log = logging.getLogger(__name__)
REASSESS_CHUNK = 1_000  # KPM per re-assessment task


def _enqueue(kpm_ids: list[int]) -> None:
    from graduasi.tasks import reassess_kpm

    for start in range(0, len(kpm_ids), REASSESS_CHUNK):
        chunk = kpm_ids[start : start + REASSESS_CHUNK]
        try:
            reassess_kpm.delay(chunk)
        except Exception:  # the change itself is saved; tonight's run assesses them anyway
            log.exception("could not queue the re-assessment of %d KPM", len(chunk))


def assessment_refresh_on_commit(kpm_ids: Iterable[int]) -> None:
    """Once the current transaction commits, re-assess these KPM in the background: a change
    to a member, an economic assessment or a desil shows on the profile without waiting
    for the night."""
    ids = sorted(set(kpm_ids))
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
