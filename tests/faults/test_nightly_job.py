"""The nightly pipeline under faults, in real processes on the test database (transactional:
each process sees what the others committed):

- `manage.py assess` killed with SIGKILL after its first batch is written, then run again to
  completion, leaves exactly the assessment, target and roll-up rows an uninterrupted run
  leaves on the same world (content hashes of the tables);
- two processes calling the nightly task for the same day at the same moment, as two beat
  processes would make happen, give one run record and one set of rows; the other reports
  that it was skipped (the run's PostgreSQL advisory lock, graduasi.pipeline.run.run_lock)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from graduasi.models import (
    KpmAssessment,
    PipelineRun,
    RegionMonth,
    RegionSummary,
    RunStatus,
    RunTrigger,
    TargetProgress,
)
from graduasi.pipeline import pipeline_run
from tests.conftest import live_db
from tests.faults.helpers import TIMEOUT, start_project, wait_for
from tests.graduasi.test_pipeline_worker import (
    AS_OF,
    BATCH_PAUSE_MS,
    BATCH_SIZE,
    lock_released,
    result_hashes,
    seed_world,
)

pytestmark = live_db


def clear_results() -> None:
    for model in (KpmAssessment, TargetProgress, RegionSummary, RegionMonth, PipelineRun):
        model.objects.all().delete()


def assess(log: Path, *, pause_ms: int) -> subprocess.Popen:
    return start_project(
        ["manage.py", "assess", "--as-of", AS_OF.isoformat()],
        log=log, GRADUASI_BATCH_SIZE=str(BATCH_SIZE), GRADUASI_BATCH_PAUSE_MS=str(pause_ms),
    )  # fmt: skip


def finish(process: subprocess.Popen, log: Path) -> str:
    """Wait for a process to end well; its output."""
    code = process.wait(timeout=TIMEOUT)
    output = log.read_text(errors="replace")
    assert code == 0, output[-3000:]
    return output


def test_assess_killed_after_its_first_batch_then_run_again_gives_the_uninterrupted_rows(
    tmp_path,
):
    active = seed_world()
    finish(assess(tmp_path / "whole.log", pause_ms=0), tmp_path / "whole.log")
    uninterrupted = result_hashes()
    assert KpmAssessment.objects.count() == active > 200
    clear_results()

    dying = assess(tmp_path / "killed.log", pause_ms=BATCH_PAUSE_MS)
    run = wait_for(
        "the first batch to be written",
        lambda: PipelineRun.objects.filter(status=RunStatus.RUNNING, assessed__gt=0).first(),
    )
    os.killpg(dying.pid, signal.SIGKILL)  # no clean-up, no chance to finish the batch
    dying.wait(timeout=TIMEOUT)

    run.refresh_from_db()
    assert (run.status, run.finished_at) == (RunStatus.RUNNING, None)
    assert 0 < KpmAssessment.objects.count() < active
    assert not TargetProgress.objects.exists()  # it died in the first stage
    wait_for("the killed session's lock to go", lock_released, seconds=10)

    finish(assess(tmp_path / "again.log", pause_ms=0), tmp_path / "again.log")

    assert result_hashes() == uninterrupted
    run.refresh_from_db()
    assert run.status == RunStatus.INTERRUPTED
    resumed = PipelineRun.objects.exclude(pk=run.pk).get()
    assert (resumed.status, resumed.assessed) == (RunStatus.DONE, active)


# The task as a worker calls it, in a process of its own that waits for the signal to start.
NIGHTLY = """
import json, pathlib, sys, time
import django
django.setup()
from graduasi.tasks import nightly_pipeline
go = pathlib.Path(sys.argv[1])
print("READY", flush=True)
while not go.exists():
    time.sleep(0.005)
print("RESULT " + json.dumps(nightly_pipeline(sys.argv[2])), flush=True)
"""


def nightly_task(go: Path, log: Path) -> subprocess.Popen:
    return start_project(
        ["-c", NIGHTLY, str(go), AS_OF.isoformat()],
        log=log, DJANGO_SETTINGS_MODULE="config.settings",
        GRADUASI_BATCH_SIZE=str(BATCH_SIZE), GRADUASI_BATCH_PAUSE_MS=str(BATCH_PAUSE_MS),
    )  # fmt: skip


def test_two_nightly_triggers_at_the_same_moment_make_one_run(tmp_path, settings):
    active = seed_world()
    go = tmp_path / "go"
    logs = [tmp_path / "beat-1.log", tmp_path / "beat-2.log"]
    processes = [nightly_task(go, log) for log in logs]
    try:
        wait_for("both processes ready", lambda: all("READY" in p.read_text() for p in logs))
        go.touch()
        outputs = [finish(p, log) for p, log in zip(processes, logs, strict=True)]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)

    results = [json.loads(o.split("RESULT ", 1)[1].splitlines()[0]) for o in outputs]
    ran = [r for r in results if r is not None]
    skipped = [o for o, r in zip(outputs, results, strict=True) if r is None]
    assert len(ran) == 1 and len(skipped) == 1, results
    # Both were started and waiting; the winner holds the lock for seconds (slow batches).
    assert "another run is in progress" in skipped[0]
    run = PipelineRun.objects.get()
    assert (run.pk, run.as_of, run.status, run.trigger) == (
        ran[0]["run"], AS_OF, RunStatus.DONE, RunTrigger.SCHEDULE,
    )  # fmt: skip
    assert run.assessed == ran[0]["assessed"] == KpmAssessment.objects.count() == active

    together = result_hashes()
    clear_results()
    settings.GRADUASI_BATCH_SIZE = BATCH_SIZE
    pipeline_run(on=AS_OF, trigger=RunTrigger.COMMAND)  # one trigger alone, in this process
    assert result_hashes() == together


@pytest.fixture(autouse=True)
def _no_stray_lock():
    """A process killed by a failed test must not leave the next test locked out."""
    yield
    wait_for("the pipeline lock to be free", lock_released, seconds=10)
