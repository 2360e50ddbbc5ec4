"""Import jobs of the web page: upload and check, confirm, run (each here or on a worker),
cancel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from antrian.services import enqueue
from config.errors import DomainError
from config.locks import run_lock
from kpm.importing.progress import ProgressWriter
from kpm.importing.records import ImportFileError
from kpm.importing.service import import_kpm_file
from kpm.models import ImportJob, ImportStatus


def import_job_upload(*, user: Any, name: str, data: bytes) -> ImportJob:
    """Keep an uploaded file for checking: a small one is checked in this request
    (import_job_create), a large one by a Celery task, so the upload does not wait for it."""
    rows = count_data_rows(data)
    if rows <= settings.KPM_IMPORT_ASYNC_ROWS:
        return import_job_create(user=user, name=name, data=data)
    from kpm.tasks import import_check

    with transaction.atomic():
        job = _keep(user, name, data, status=ImportStatus.CHECKING, rows=rows, report={})
        enqueue(import_check, job.pk)  # sent once the job is saved
    return job


def import_job_create(*, user: Any, name: str, data: bytes) -> ImportJob:
    """Check an uploaded file (a dry run) now and keep it, awaiting the officer's confirmation.

    Raises ImportFileError (or DomainError) and keeps nothing when the file cannot be imported.
    """
    report = import_kpm_file(data, actor=user, dry_run=True)
    return _keep(
        user, name, data, status=ImportStatus.AWAITING, rows=report.rows, report=report.as_json()
    )


def count_data_rows(data: bytes) -> int:
    """Lines after the header, counted from the bytes without parsing (a quoted value spanning
    lines counts more than once; the check itself counts exactly)."""
    if not data.strip():
        return 0
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return max(0, lines - 1)


def _keep(
    user: Any, name: str, data: bytes, *, status: str, rows: int, report: dict[str, Any]
) -> ImportJob:
    job = ImportJob(
        uploaded_by=user, original_name=name[:255], status=status, row_count=rows, report=report
    )
    job.file.save(get_valid_filename(name) or "impor.csv", ContentFile(data), save=False)
    job.save()
    return job


def import_job_check(*, job_id: int) -> ImportJob:
    """Check a kept file (the dry run) and leave it awaiting confirmation, or failed when the
    file cannot be imported; a job no longer being checked is left alone."""
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    if job.status != ImportStatus.CHECKING:
        return job
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        report = import_kpm_file(data, actor=job.uploaded_by, dry_run=True)
    except (ImportFileError, DomainError) as exc:
        return _checked(job, ImportStatus.FAILED, {"failure": exc.message}, finished=True)
    except Exception:
        failure = _("Pemeriksaan berkas gagal karena kesalahan sistem. Hubungi admin.")
        _checked(job, ImportStatus.FAILED, {"failure": failure}, finished=True)
        raise
    return _checked(job, ImportStatus.AWAITING, report.as_json(), rows=report.rows)


def _checked(
    job: ImportJob,
    status: str,
    report: dict[str, Any],
    *,
    rows: int | None = None,
    finished: bool = False,
) -> ImportJob:
    """Record the check's outcome, only if the job is still being checked."""
    values: dict[str, Any] = {"status": status, "report": report}
    if rows is not None:
        values["row_count"] = rows
    if finished:
        values["finished_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING).update(**values)
    job.refresh_from_db()
    return job


def _refuse_while_checking(job: ImportJob) -> None:
    if job.status == ImportStatus.CHECKING:
        raise DomainError(
            _("Berkas ini masih diperiksa; tunggu sampai pemeriksaan selesai."),
            code="import_checking",
        )


def import_job_confirm(*, job: ImportJob) -> ImportJob:
    """Start a checked import: in this request when small, as a Celery task when large."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        _refuse_while_checking(locked)
        if locked.status != ImportStatus.AWAITING:
            raise DomainError(_("Impor ini sudah dijalankan atau dibatalkan."), code="import_state")
        locked.status = ImportStatus.RUNNING
        locked.started_at = timezone.now()
        locked.progress = 0
        locked.save(update_fields=["status", "started_at", "progress"])
        in_background = locked.row_count > settings.KPM_IMPORT_ASYNC_ROWS
        if in_background:
            from kpm.tasks import import_run

            enqueue(import_run, locked.pk)  # sent once the job is marked running
    if in_background:
        return locked
    return import_job_run(job_id=locked.pk)


def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Drop a checked import that was not confirmed."""
    job.refresh_from_db(fields=["status"])
    _refuse_while_checking(job)
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.AWAITING).update(
        status=ImportStatus.CANCELLED, finished_at=timezone.now()
    )
    if not updated:
        raise DomainError(_("Impor ini sudah dijalankan atau dibatalkan."), code="import_state")
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int, live_progress: bool = False) -> ImportJob:
    """Carry out a confirmed import and record its report; a job not running is left alone."""
    # A task may be delivered twice (the outbox's crash window, a broker redelivering a long
    # task): the copy that finds the job taken, or no longer running, leaves it alone.
    with run_lock(f"kpm.import_job.{job_id}") as taken:
        job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
        if not taken or job.status != ImportStatus.RUNNING:
            return job
        return _run(job, live_progress=live_progress)


def _run(job: ImportJob, *, live_progress: bool) -> ImportJob:
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
