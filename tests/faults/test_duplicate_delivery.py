"""Every task queued through the outbox may be delivered twice (the broker took it, then the
process died before the outbox marked it sent; or a worker died after starting it): a second
delivery, after the first has finished, changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from antrian.models import TaskMessage
from audit.models import AuditEvent
from graduasi.models import KpmAssessment, PipelineRun, RunTrigger
from graduasi.pipeline import pipeline_run
from graduasi.tasks import assess_batches, reassess_kpm
from kpm.importing.jobs import import_job_confirm, import_job_upload
from kpm.models import Anggota, ImportJob, ImportStatus, Kpm
from kpm.tasks import import_check, import_run
from pengguna.models import Role
from tests.conftest import make_user
from tests.kpm.importing_helpers import SAMPLE

AS_OF = date(2026, 3, 15)


@pytest.fixture(autouse=True)
def _large_files_go_to_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.KPM_IMPORT_ASYNC_ROWS = 1


def row_versions(table: str) -> set[tuple[str, str]]:
    """Each row's physical place and writing transaction: a rewrite changes both."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ctid::text, xmin::text FROM {table}")
        return set(cursor.fetchall())


def deliver(task, message: TaskMessage):
    """One delivery of the queued message, as a worker runs it."""
    return task.apply(args=message.args, kwargs=message.kwargs).get()


def test_a_reassessment_delivered_twice_writes_once(world):
    reassess_kpm.apply(args=[[world.kpm_own.pk]])
    before = row_versions("graduasi_kpmassessment")

    assert reassess_kpm.apply(args=[[world.kpm_own.pk]]).get() == 0

    assert row_versions("graduasi_kpmassessment") == before != set()


def test_an_import_check_and_an_import_delivered_twice_import_once(
    db, django_capture_on_commit_callbacks
):
    officer = make_user("dinsos_impor", Role.DINSOS, "35.71")
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet delivered
        job = import_job_upload(user=officer, name="kpm.csv", data=SAMPLE.read_bytes())
    check = TaskMessage.objects.get(task="kpm.tasks.import_check")

    assert deliver(import_check, check) == ImportStatus.AWAITING
    report = ImportJob.objects.get(pk=job.pk).report
    assert deliver(import_check, check) == ImportStatus.AWAITING
    assert ImportJob.objects.get(pk=job.pk).report == report

    with django_capture_on_commit_callbacks(execute=False):
        import_job_confirm(job=ImportJob.objects.get(pk=job.pk))
    run = TaskMessage.objects.get(task="kpm.tasks.import_run")
    assert deliver(import_run, run) == ImportStatus.DONE
    counts = (Kpm.objects.count(), Anggota.objects.count(), AuditEvent.objects.count())
    finished = ImportJob.objects.get(pk=job.pk)

    assert deliver(import_run, run) == ImportStatus.DONE

    assert (Kpm.objects.count(), Anggota.objects.count(), AuditEvent.objects.count()) == counts
    again = ImportJob.objects.get(pk=job.pk)
    assert (again.finished_at, again.report) == (finished.finished_at, finished.report)


def test_a_batch_helper_delivered_after_its_run_ended_does_nothing(world, settings):
    settings.GRADUASI_BATCH_SIZE = 2
    run = pipeline_run(on=AS_OF, trigger=RunTrigger.COMMAND)
    assert run is not None
    before = row_versions("graduasi_kpmassessment")

    assert assess_batches.apply(args=[run.pk]).get() == 0
    assert assess_batches.apply(args=[run.pk]).get() == 0

    assert row_versions("graduasi_kpmassessment") == before
    assert PipelineRun.objects.get(pk=run.pk).assessed == KpmAssessment.objects.count()


def test_an_import_delivered_again_while_it_runs_leaves_the_running_one_alone(
    db, django_capture_on_commit_callbacks
):
    """The second copy finds the job's lock held by the first (another database session) and
    returns without importing or touching the job; once the first is done, the job runs."""
    import zlib

    import psycopg2
    from django.db import connections

    officer = make_user("dinsos_impor", Role.DINSOS, "35.71")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_upload(user=officer, name="kpm.csv", data=SAMPLE.read_bytes())
    with django_capture_on_commit_callbacks(execute=False):
        import_job_confirm(job=ImportJob.objects.get(pk=job.pk))
    run = TaskMessage.objects.get(task="kpm.tasks.import_run")
    kpm_before = Kpm.objects.count()

    params = connections["default"].get_connection_params()
    first = psycopg2.connect(**params)  # the run already working on the job
    key = zlib.crc32(f"kpm.import_job.{job.pk}".encode())
    try:
        with first.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        assert deliver(import_run, run) == ImportStatus.RUNNING
        assert Kpm.objects.count() == kpm_before
        assert ImportJob.objects.get(pk=job.pk).finished_at is None
    finally:
        first.close()  # its session ends, and the lock with it

    assert deliver(import_run, run) == ImportStatus.DONE
    assert Kpm.objects.count() > kpm_before
