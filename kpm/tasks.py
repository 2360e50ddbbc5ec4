"""Background work of the kpm app. Tasks only carry out what a service decided."""

from __future__ import annotations

from celery import shared_task

from kpm.importing.jobs import import_job_check, import_job_run


@shared_task(acks_late=True)
def import_run(job_id: int) -> str:
    """Run a confirmed import job (enqueued by import_job_confirm); returns its final status."""
    return import_job_run(job_id=job_id, live_progress=True).status


@shared_task(acks_late=True)
def import_check(job_id: int) -> str:
    """Check a large uploaded file (enqueued by import_job_upload); returns the job's status."""
    return import_job_check(job_id=job_id).status
