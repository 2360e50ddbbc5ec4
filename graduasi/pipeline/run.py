"""The nightly pipeline: assess every active KPM in batches, then target progress, then the
roll-ups; under one run lock, recorded as a PipelineRun. Also the re-assessment of a few KPM
after a change, which takes no lock: it writes the same rows the same way."""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from datetime import date
from multiprocessing.process import BaseProcess
from typing import TypeVar

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from antrian.services import enqueue
from config.locks import run_lock
from graduasi.models import KpmAssessment, PipelineRun, RunStatus
from graduasi.pipeline.batches import (
    FAILURES_KEPT,
    assess_all,
    batches_finish,
    batches_plan,
)
from graduasi.pipeline.facts import PovertyLines, kpm_facts
from graduasi.pipeline.summaries import rollup_stage, target_stage
from graduasi.pipeline.write import assessment_prune, assessment_write
from graduasi.pipeline_process import help_run
from graduasi.rules import Policy
from graduasi.selectors import policy_on

log = logging.getLogger(__name__)
LOCK_NAME = "graduasi.pipeline"
T = TypeVar("T")


def _timed(run: PipelineRun, field: str, stage: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = stage()
    setattr(run, field, round(time.perf_counter() - started, 3))
    return result


def _start_helpers(run: PipelineRun, *, processes: int) -> list[BaseProcess]:
    """Others to share the batches: GRADUASI_HELPERS Celery tasks when a broker is there,
    and `processes` - 1 local processes (the assess command's --processes)."""
    from graduasi.tasks import assess_batches

    if not current_app.conf.task_always_eager:
        for _ in range(settings.GRADUASI_HELPERS):
            enqueue(assess_batches, run.pk)
    spawn = multiprocessing.get_context("spawn")
    name = connection.settings_dict["NAME"]
    started: list[BaseProcess] = [
        spawn.Process(target=help_run, args=(run.pk, name)) for _ in range(processes - 1)
    ]
    for process in started:
        process.start()
    return started


def _assess_stage(run: PipelineRun, *, policy: Policy, processes: int) -> None:
    batches_plan(run, size=settings.GRADUASI_BATCH_SIZE)
    helpers = _start_helpers(run, processes=processes)
    try:
        pause = settings.GRADUASI_BATCH_PAUSE_MS / 1000
        batches_finish(run_id=run.pk, on=run.as_of, policy=policy, pause=pause)
    finally:
        for process in helpers:
            process.join(timeout=60)
            process.kill()
    run.refresh_from_db(fields=["assessed", "changed", "failed"])
    failures = run.batches.exclude(failures=[]).values_list("failures", flat=True)
    run.failures = [f for batch in failures for f in batch][:FAILURES_KEPT]
    run.changed += assessment_prune()


def _close_interrupted() -> None:
    """Runs left "berjalan" when the lock is free were stopped before they finished."""
    PipelineRun.objects.filter(status=RunStatus.RUNNING).update(
        status=RunStatus.INTERRUPTED, error="Proses berhenti sebelum selesai."
    )


def _run_stages(run: PipelineRun, *, processes: int) -> None:
    policy = policy_on(run.as_of)
    _timed(run, "assess_seconds", lambda: _assess_stage(run, policy=policy, processes=processes))
    run.targets_changed = _timed(
        run, "target_seconds", lambda: target_stage(on=run.as_of, policy=policy)
    )
    # The risk flags first: the roll-ups count the families at risk.
    run.risks_changed = _timed(run, "risk_seconds", _risk_stage)
    run.summaries_changed = _timed(run, "rollup_seconds", lambda: rollup_stage(on=run.as_of))


def _risk_stage() -> int:
    """Graduated families at risk of falling back (pemberdayaan.services.risk), in sets."""
    from pemberdayaan.services.risk import risk_refresh  # pemberdayaan builds on graduasi

    return risk_refresh()


def pipeline_run(
    *, on: date, trigger: str, force: bool = False, processes: int = 1
) -> PipelineRun | None:
    """Run the four stages for `on` and record the run. None when another run holds the lock,
    or (unless `force`) a run for `on` has already finished: a second trigger does no work.
    `processes` > 1 starts that many local processes in all to share the assessment."""
    with run_lock(LOCK_NAME) as taken:
        if not taken:
            log.info("graduation pipeline for %s: another run is in progress", on)
            return None
        _close_interrupted()
        if not force and PipelineRun.objects.filter(as_of=on, status=RunStatus.DONE).exists():
            log.info("graduation pipeline for %s: already done", on)
            return None
        run = PipelineRun.objects.create(as_of=on, trigger=trigger, started_at=timezone.now())
        try:
            _run_stages(run, processes=processes)
        except Exception as exc:
            run.status, run.error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
            run.finished_at = timezone.now()
            run.save()
            raise
        run.status, run.finished_at = RunStatus.DONE, timezone.now()
        run.save()
        return run


def kpm_reassess(*, kpm_ids: Sequence[int], on: date) -> int:
    """Assess these KPM now and store what changed (rows of KPM no longer active are
    removed); the number of rows written."""
    facts = kpm_facts(list(kpm_ids), on=on, lines=PovertyLines())
    results, failures = assess_all(facts, on=on, policy=policy_on(on))
    for failure in failures:
        log.error("graduation assessment failed for KPM %(kpm)s: %(error)s", failure)
    written = assessment_write(results, on=on, run_id=None)
    inactive = set(kpm_ids) - {f.kpm_id for f in facts}
    if inactive:
        written += KpmAssessment.objects.filter(kpm_id__in=inactive).delete()[0]
    return written
