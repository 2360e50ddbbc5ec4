"""Celery tasks: thin. The pipeline decides, batches and records (graduasi.pipeline)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from graduasi.models import RunTrigger
from graduasi.pipeline import kpm_reassess, pipeline_run
from graduasi.pipeline.batches import batches_help


def _day(as_of: str | None) -> date:
    return date.fromisoformat(as_of) if as_of else timezone.localdate()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def nightly_pipeline(as_of: str | None = None) -> dict[str, int] | None:
    """The nightly run for `as_of` (default: today in Asia/Jakarta); None when it was not
    this trigger's to do (another run holds the lock, or the day is already done)."""
    run = pipeline_run(on=_day(as_of), trigger=RunTrigger.SCHEDULE)
    if run is None:
        return None
    return {"run": run.pk, "assessed": run.assessed, "changed": run.changed, "failed": run.failed}


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reassess_kpm(kpm_ids: list[int], as_of: str | None = None) -> int:
    """Re-assess a few KPM after a change to their facts; the number of rows written."""
    return kpm_reassess(kpm_ids=kpm_ids, on=_day(as_of))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def assess_batches(run_id: int) -> int:
    """Share the assessment batches of a running pipeline run; how many this task did."""
    return batches_help(run_id)
