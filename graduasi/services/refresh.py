"""Writes of graduasi used by other apps: the background re-assessment of changed KPM."""

from __future__ import annotations

from collections.abc import Iterable

from antrian.services import enqueue

REASSESS_CHUNK = 1_000  # KPM per re-assessment task


def _enqueue(kpm_ids: list[int]) -> None:
    from graduasi.tasks import reassess_kpm

    for start in range(0, len(kpm_ids), REASSESS_CHUNK):
        # Queued in the change's own transaction (the outbox), sent once it commits.
        enqueue(reassess_kpm, kpm_ids[start : start + REASSESS_CHUNK])


def assessment_refresh_on_commit(kpm_ids: Iterable[int]) -> None:
    """Once the current transaction commits, re-assess these KPM in the background: a change
    to a member, an economic assessment or a desil shows on the profile without waiting
    for the night."""
    ids = sorted(set(kpm_ids))
    if ids:
        _enqueue(ids)
