"""The nightly pipeline on real Celery worker processes over the real Redis broker: killed half-way,
the next run gives exactly what an uninterrupted run gives; two triggers at once make one run;
a trigger after the day is done does nothing.

Each worker is a separate OS process group (`celery -A config worker`) on this test's own
queue, reading the test database, which is therefore transactional (committed rows) and
emptied afterwards. Small slow batches leave time to kill a run in the middle."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from graduasi.models import (
    KpmAssessment,
    PipelineRun,
    RegionMonth,
    RegionSummary,
    RunStatus,
    TargetProgress,
)
from graduasi.tasks import nightly_pipeline
from kpm.models import Kpm, KpmStatus
from tests.conftest import live_db
from tests.kpm.test_import_worker import _broker_url, _forget_connections

pytestmark = [pytest.mark.redis, live_db]

AS_OF = date(2026, 3, 15)
SEED_KPM = 300  # about 270 active: 14 batches of 20, a quarter of a second apart
BATCH_SIZE = 20
BATCH_PAUSE_MS = 250
TIMEOUT = 60.0
LOCK_KEY = zlib.crc32(b"graduasi.pipeline")
PIDBOX_BINDINGS = "_kombu.binding.celery.pidbox"
T = TypeVar("T")


def wait_for(what: str, check: Callable[[], T | None], seconds: float = TIMEOUT) -> T:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"still waiting after {seconds} s for {what}")


def worker_database_url() -> str:
    """The test database as a DATABASE_URL; a socket directory (the embedded server) goes in
    the query string, where its case and slashes survive."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host, port, name = db["HOST"] or "", db["PORT"] or "", quote(db["NAME"], safe="")
    if host.startswith("/"):
        port_option = f"&port={port}" if port else ""
        return f"postgres://{user}{password}@/{name}?host={quote(host, safe='/')}{port_option}"
    return f"postgres://{user}{password}@{host}{f':{port}' if port else ''}/{name}"


class Worker:
    """One `celery worker` process group, its output in a log file."""

    def __init__(self, *, queue: str, broker: str, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": broker,
            "DJANGO_DEBUG": "true",
            "GRADUASI_BATCH_SIZE": str(BATCH_SIZE),
            "GRADUASI_BATCH_PAUSE_MS": str(BATCH_PAUSE_MS),
        }
        self.log = log
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
            "-n", f"{queue}-{log.stem}@%h", "--concurrency", "2", "--pool", "prefork",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
        ]  # fmt: skip
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the pool children die with it
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited:\n{self.output()[-3000:]}")
            return " ready." in self.output()

        wait_for("the worker to be ready", ready)

    def result_of(self, task_id: str) -> str:
        """What the task returned, as the worker logged it, once it has succeeded."""
        pattern = re.compile(rf"Task \S+\[{re.escape(task_id)}\] succeeded in \S+: (.*)")

        def succeeded() -> str | None:
            if "Traceback" in self.output():
                raise AssertionError(f"worker failed:\n{self.output()[-3000:]}")
            match = pattern.search(self.output())
            return match.group(1) if match else None

        return wait_for(f"task {task_id}", succeeded)

    def kill(self) -> None:
        """SIGKILL the whole group: no warm shutdown, no chance to finish or clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=TIMEOUT)


@pytest.fixture
def queue() -> Iterator[str]:
    """This process sends to Redis on a queue of its own, which no other worker consumes;
    the queue's Redis keys are removed afterwards."""
    import redis

    from config.celery import app

    broker = _broker_url()
    name = f"test-pipeline-{os.getpid()}-{time.monotonic_ns()}"
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=broker, task_always_eager=False)
    _forget_connections(app)
    try:
        yield name
    finally:
        app.conf.update(previous)
        _forget_connections(app)
        client = redis.Redis.from_url(broker)
        client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
        for member in client.smembers(PIDBOX_BINDINGS):  # each worker's remote-control queue
            if name.encode() in member:
                client.srem(PIDBOX_BINDINGS, member)
        _forget_unacked(client, name)


def _forget_unacked(client, queue: str) -> None:
    """A killed worker leaves its message unacknowledged; drop it rather than let a later
    worker restore it to a queue nobody reads."""
    import json

    for tag, raw in client.hgetall("unacked").items():
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.fixture
def workers(queue, tmp_path) -> Iterator[Callable[[], Worker]]:
    """Start workers on the test's queue; every one started is killed at the end."""
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(queue=queue, broker=_broker_url(), log=tmp_path / f"w{len(started)}.log")
        started.append(worker)
        worker.wait_ready()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()


def seed_world() -> int:
    """A few hundred demo KPM in Kota Kediri; the number of active ones."""
    call_command(
        "seed_demo", "--kpm", str(SEED_KPM), "--kabupaten", "35.71", "--today",
        AS_OF.isoformat(), "--workers", "0", verbosity=0,
    )  # fmt: skip
    return Kpm.objects.filter(status=KpmStatus.ACTIVE).count()


def trigger(queue: str) -> str:
    return nightly_pipeline.apply_async(args=[AS_OF.isoformat()], queue=queue).id


def finished_run(*, other_than: int = 0) -> PipelineRun:
    def done() -> PipelineRun | None:
        runs = PipelineRun.objects.filter(as_of=AS_OF, status=RunStatus.DONE)
        return runs.exclude(pk=other_than).first()

    return wait_for("a finished run", done)


# Summary and month rows whole, but for their id and time; ordered by their unique key, so
# two pendamping of one kabupaten always come in the same order.
AREA_HASH = """(SELECT md5(coalesce(string_agg((to_jsonb(t) - 'id' - 'updated_at')::text,
       E'\\n' ORDER BY level, region_code, pendamping_id, year{month}), ''))
   FROM {table} t)"""

RESULT_HASHES_SQL = f"""
SELECT
  (SELECT md5(coalesce(string_agg(concat_ws('|', kpm_id, status, reasons::text, component_count,
       yearly_benefit, per_tahap, coalesce(projected_graduation::text, '-'), status_since),
       E'\\n' ORDER BY kpm_id), ''))
   FROM graduasi_kpmassessment),
  (SELECT md5(coalesce(string_agg(concat_ws('|', pendamping_id, year, target, approved, pending,
       candidates, active_kpm, on_track), E'\\n' ORDER BY pendamping_id, year), ''))
   FROM graduasi_targetprogress),
  {AREA_HASH.format(table="graduasi_regionsummary", month="")},
  {AREA_HASH.format(table="graduasi_regionmonth", month=", month")}
"""
RESULT_TABLES = [
    ("graduasi_kpmassessment", "kpm_id"),
    ("graduasi_targetprogress", "id"),
    ("graduasi_regionsummary", "id"),
    ("graduasi_regionmonth", "id"),
]


def result_hashes() -> tuple[str, str, str, str]:
    """The content of every result table (never which run wrote it, nor when)."""
    with connection.cursor() as cursor:
        cursor.execute(RESULT_HASHES_SQL)
        return cursor.fetchone()


def row_versions() -> set[tuple[str, int, str, str]]:
    """Each result row's physical place and writing transaction: a rewrite changes both."""
    found = set()
    with connection.cursor() as cursor:
        for table, key in RESULT_TABLES:
            cursor.execute(f"SELECT '{table}', {key}, ctid::text, xmin::text FROM {table}")
            found.update(cursor.fetchall())
    return found


def lock_released() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid::bigint = 0 AND objid::bigint = %s"
            # advisory locks belong to one database; another database's run is not ours
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
            [LOCK_KEY],
        )
        return cursor.fetchone()[0]


def test_a_run_killed_half_way_is_finished_by_the_next_one_with_the_same_results(queue, workers):
    active = seed_world()
    worker = workers()
    trigger(queue)
    finished_run()
    uninterrupted = result_hashes()
    assert KpmAssessment.objects.count() == active > 200
    KpmAssessment.objects.all().delete()
    TargetProgress.objects.all().delete()
    RegionSummary.objects.all().delete()
    RegionMonth.objects.all().delete()
    PipelineRun.objects.all().delete()

    trigger(queue)
    dying = wait_for(
        "a run that has assessed some KPM",
        lambda: PipelineRun.objects.filter(status=RunStatus.RUNNING, assessed__gt=0).first(),
    )
    worker.kill()

    dying.refresh_from_db()
    assert (dying.status, dying.finished_at) == (RunStatus.RUNNING, None)
    assert 0 < KpmAssessment.objects.count() < active
    wait_for("the killed session's lock to go", lock_released, seconds=10)

    workers()
    trigger(queue)
    resumed = finished_run(other_than=dying.pk)

    assert result_hashes() == uninterrupted
    assert resumed.assessed == active
    dying.refresh_from_db()
    assert dying.status == RunStatus.INTERRUPTED


def test_two_triggers_at_once_make_one_run(queue, workers):
    seed_world()
    worker = workers()

    first, second = trigger(queue), trigger(queue)  # two pool processes take one each

    results = sorted([worker.result_of(first), worker.result_of(second)])
    assert results[0] == "None"  # the other held the lock (or had already done the day)
    assert results[1].startswith("{'run': ")
    run = PipelineRun.objects.get(as_of=AS_OF)
    assert run.status == RunStatus.DONE


def test_a_trigger_after_the_day_is_done_writes_nothing(queue, workers):
    active = seed_world()
    worker = workers()
    worker.result_of(trigger(queue))
    run = PipelineRun.objects.get()
    assert (run.status, run.assessed) == (RunStatus.DONE, active)
    before = row_versions()

    assert worker.result_of(trigger(queue)) == "None"

    assert list(PipelineRun.objects.values_list("pk", flat=True)) == [run.pk]
    assert row_versions() == before
