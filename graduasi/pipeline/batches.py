"""The assessment stage in batches that any number of processes share: the run's coordinator,
Celery tasks on other workers, or processes the assess command starts. Each claims the next
open batch with a row lock the others skip, assesses it and marks it done in one
transaction; a process that dies mid-batch rolls back and leaves the batch to another."""

from __future__ import annotations

import contextlib
import gc
import os
import socket
import time
from collections.abc import Iterator
from datetime import date

from django.db import connection, transaction
from django.db.models import F

from graduasi.models import PipelineBatch, PipelineRun, RunStatus
from graduasi.pipeline.facts import IdRange, PovertyLines, active_kpm_batches, kpm_facts
from graduasi.pipeline.write import assessment_write
from graduasi.rules import Assessment, KpmFacts, Policy, assess
from graduasi.selectors import policy_on

FAILURES_KEPT = 50
WAIT_SECONDS = 0.2  # between looks at batches other processes still hold


def assess_all(
    facts: list[KpmFacts], *, on: date, policy: Policy
) -> tuple[list[Assessment], list[dict]]:
    """The rules over a batch; a KPM whose facts break them is reported, not written."""
    results, failures = [], []
    for f in facts:
        try:
            results.append(assess(f, on=on, policy=policy))
        except Exception as exc:  # one bad record must not stop the night's run
            failures.append({"kpm": f.kpm_id, "error": f"{type(exc).__name__}: {exc}"})
    return results, failures


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch is read and assessed. The batch
    builds hundreds of thousands of small tuples and dicts, none in a cycle (reference
    counting frees them), yet each allocation burst sets off collections that walk every live
    object: a third of the batch's time, for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def batches_plan(run: PipelineRun, *, size: int) -> int:
    """Cut the active KPM into batches of `size` ids for `run`; how many."""
    made = PipelineBatch.objects.bulk_create(
        PipelineBatch(run=run, first_kpm=r.first, last_kpm=r.last)
        for r in active_kpm_batches(size=size)
    )
    return len(made)


def batch_take_one(*, run_id: int, on: date, policy: Policy, lines: PovertyLines) -> bool:
    """Claim, assess and close the next open batch of the run; False when none is free."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A batch is recomputed by the next run if a crash loses it: no need to wait for
            # its commit to reach the disk.
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Each batch's queries are short: compiling them (JIT) costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
        batch = (
            PipelineBatch.objects.select_for_update(skip_locked=True)
            .filter(run_id=run_id, done=False)
            .order_by("first_kpm")
            .first()
        )
        if batch is None:
            return False
        with cyclic_gc_paused():
            facts = kpm_facts(IdRange(batch.first_kpm, batch.last_kpm), on=on, lines=lines)
            results, failures = assess_all(facts, on=on, policy=policy)
            batch.changed = assessment_write(results, on=on, run_id=run_id)
        batch.assessed, batch.failures, batch.done = len(results), failures[:FAILURES_KEPT], True
        batch.taken_by = f"{socket.gethostname()}:{os.getpid()}"  # which process did it
        batch.save(update_fields=["changed", "assessed", "failures", "done", "taken_by"])
        PipelineRun.objects.filter(pk=run_id).update(
            assessed=F("assessed") + batch.assessed,
            changed=F("changed") + batch.changed,
            failed=F("failed") + len(failures),
        )
    return True


def batches_work(*, run_id: int, on: date, policy: Policy, pause: float) -> int:
    """Take batches of the run until none is free; how many this process did."""
    lines, done = PovertyLines(), 0
    while batch_take_one(run_id=run_id, on=on, policy=policy, lines=lines):
        done += 1
        if pause:
            time.sleep(pause)
    return done


def batches_finish(*, run_id: int, on: date, policy: Policy, pause: float) -> None:
    """The coordinator's share: work, then wait for the batches others hold, taking over any
    that a dead process left open, until every batch is done."""
    while True:
        batches_work(run_id=run_id, on=on, policy=policy, pause=pause)
        if not PipelineBatch.objects.filter(run_id=run_id, done=False).exists():
            return
        time.sleep(WAIT_SECONDS)


def batches_help(run_id: int, *, pause: float = 0) -> int:
    """A helper's share of a running run (a Celery task or a local process); 0 when the run
    is over or unknown."""
    run = PipelineRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).first()
    if run is None:
        return 0
    return batches_work(run_id=run.pk, on=run.as_of, policy=policy_on(run.as_of), pause=pause)
