"""A confirmed large import runs on a real Celery worker over Redis, outside the request."""

from __future__ import annotations

import os
import time

import pytest

from kpm.importing.jobs import import_job_confirm, import_job_create
from kpm.models import ImportJob, ImportStatus, Kpm
from pengguna.models import Role
from tests.conftest import live_db, make_user, needs_service
from tests.kpm.importing_helpers import SAMPLE

# The worker thread reads rows this test committed, so the database is transactional; it is
# emptied afterwards, except the region tables loaded once per session.


def _broker_url() -> str:
    """CELERY_BROKER_URL, or the local Redis; skip (fail in CI) when nothing answers."""
    import redis

    url = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        needs_service("Redis", f"{url}: {exc}")
    return url


@pytest.fixture
def celery_on_redis(settings, tmp_path):
    """The Celery app pointed at Redis, tasks no longer run in-process, on a queue of its own
    (another worker on the same Redis must not take this test's tasks)."""
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path
    settings.KPM_IMPORT_ASYNC_ROWS = 1
    names = ("broker_url", "task_always_eager", "task_default_queue")
    previous = {name: app.conf[name] for name in names}
    app.conf.update(
        broker_url=_broker_url(),
        task_always_eager=False,
        task_default_queue=f"test-import-{os.getpid()}-{time.monotonic_ns()}",
    )
    _forget_connections(app)  # earlier in-process tests left pools on the memory broker
    try:
        yield app
    finally:
        app.conf.update(previous)
        _forget_connections(app)


def _forget_connections(app) -> None:
    """Drop every cached broker connection so the next use follows app.conf. The app's pool
    is kombu's process-wide pool for that URL, so kombu's registries are cleared too, or a
    later test would be handed the closed pool."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    # The queue table is built once from task_default_queue; an earlier test's send to a queue
    # of its own built it already, so build it again from today's configuration.
    for cached in ("queues", "default_queue", "router", "producer_pool"):
        app.amqp.__dict__.pop(cached, None)


def _wait_until_finished(job: ImportJob, seconds: float = 60) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status != ImportStatus.RUNNING:
            return job
        time.sleep(0.2)
    raise AssertionError(f"import job still {job.status} after {seconds} s")


@pytest.mark.redis
@live_db
def test_confirmed_import_waits_for_and_runs_on_a_real_worker(celery_on_redis):
    from celery.contrib.testing.worker import start_worker

    officer = make_user("dinsos_worker", Role.DINSOS, "35.71")
    job = import_job_create(user=officer, name="kpm.csv", data=SAMPLE.read_bytes())

    import_job_confirm(job=job)
    time.sleep(0.5)
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING  # queued on Redis; no worker has taken it yet
    assert not Kpm.objects.filter(kpm_id__startswith="KDR-0").exists()

    with start_worker(celery_on_redis, perform_ping_check=False, shutdown_timeout=30):
        job = _wait_until_finished(job)

    assert job.status == ImportStatus.DONE, job.report.get("failure")
    assert (job.progress, job.report["kpm_created"], job.report["anggota_created"]) == (11, 3, 11)
    assert Kpm.objects.filter(kpm_id__startswith="KDR-0").count() == 3


@live_db
def test_progress_is_visible_to_other_requests_while_the_import_is_still_open(monkeypatch):
    from django.db import connections

    from kpm.importing import import_kpm_file
    from kpm.importing import service as import_service
    from kpm.importing.progress import ProgressWriter

    monkeypatch.setattr(import_service, "CHUNK_ROWS", 2)  # one KPM per chunk
    officer = make_user("dinsos_progress", Role.DINSOS, "35.71")
    job = ImportJob.objects.create(
        uploaded_by=officer, file="x.csv", original_name="x.csv", row_count=11,
        status=ImportStatus.RUNNING,
    )  # fmt: skip
    writer = ProgressWriter(job.pk)
    seen: list[int] = []

    def progress(done: int) -> None:
        writer(done)
        observer = connections.create_connection("default")  # another request's view
        with observer.cursor() as cursor:
            cursor.execute("SELECT progress FROM kpm_importjob WHERE id = %s", [job.pk])
            seen.append(cursor.fetchone()[0])
        observer.close()

    try:
        import_kpm_file(SAMPLE, progress=progress)
    finally:
        writer.close()

    assert seen == [3, 7, 11]
