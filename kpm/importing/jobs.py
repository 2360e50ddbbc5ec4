"""Import jobs of the web page: upload and check, confirm, run (here or on a worker), cancel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from config.errors import DomainError
from kpm.importing.progress import ProgressWriter
from kpm.importing.records import ImportFileError
from kpm.importing.service import import_kpm_file
from kpm.models import ImportJob, ImportStatus


def import_job_create(*, user: Any, name: str, data: bytes) -> ImportJob:
    """Check an uploaded file (a dry run) and keep it, awaiting the officer's confirmation.

    Raises ImportFileError (or DomainError) and keeps nothing when the file cannot be imported.
    """
    report = import_kpm_file(data, actor=user, dry_run=True)
    job = ImportJob(
        uploaded_by=user,
        original_name=name[:255],
        row_count=report.rows,
        report=report.as_json(),
    )
    job.file.save(get_valid_filename(name) or "impor.csv", ContentFile(data), save=False)
    job.save()
    return job


def import_job_confirm(*, job: ImportJob) -> ImportJob:
    """Start a checked import: in this request when small, as a Celery task when large."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportStatus.AWAITING:
            raise DomainError(_("Impor ini sudah dijalankan atau dibatalkan."), code="import_state")
        locked.status = ImportStatus.RUNNING
        locked.started_at = timezone.now()
        locked.progress = 0
        locked.save(update_fields=["status", "started_at", "progress"])
        in_background = locked.row_count > settings.KPM_IMPORT_ASYNC_ROWS
        if in_background:
            from kpm.tasks import import_run

            transaction.on_commit(lambda: import_run.delay(locked.pk))
    if in_background:
        return locked
    return import_job_run(job_id=locked.pk)


def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Drop a checked import that was not confirmed."""
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.AWAITING).update(
        status=ImportStatus.CANCELLED, finished_at=timezone.now()
    )
    if not updated:
        raise DomainError(_("Impor ini sudah dijalankan atau dibatalkan."), code="import_state")
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int, live_progress: bool = False) -> ImportJob:
    """Carry out a confirmed import and record its report; a job not running is left alone."""
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    if job.status != ImportStatus.RUNNING:
        return job
    progress = ProgressWriter(job.pk) if live_progress else None
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        report = import_kpm_file(data, actor=job.uploaded_by, progress=progress)
    except (ImportFileError, DomainError) as exc:
        return _finish(job, ImportStatus.FAILED, {**job.report, "failure": exc.message})
    except Exception:
        failure = _("Impor gagal karena kesalahan sistem; tidak ada yang disimpan. Hubungi admin.")
        _finish(job, ImportStatus.FAILED, {**job.report, "failure": failure})
        raise
    finally:
        if progress is not None:
            progress.close()
    return _finish(job, ImportStatus.DONE, report.as_json())


def _finish(job: ImportJob, status: str, report: dict[str, Any]) -> ImportJob:
    job.status = status
    job.report = report
    job.finished_at = timezone.now()
    if status == ImportStatus.DONE:
        job.progress = job.row_count
    job.save(update_fields=["status", "report", "finished_at", "progress"])
    return job
