"""The assessment's batches shared between processes: the assess command's --processes and the
helpers of a run give the same rows as one process, each batch done once."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from graduasi.models import KpmAssessment, PipelineBatch, PipelineRun, RunStatus, RunTrigger
from graduasi.pipeline import pipeline_run
from graduasi.pipeline.batches import batches_help
from tests.conftest import live_db
from tests.graduasi.test_pipeline_worker import AS_OF, result_hashes, seed_world

pytestmark = live_db


def test_two_processes_give_the_same_rows_as_one(settings):
    active = seed_world()
    settings.GRADUASI_BATCH_SIZE = 20
    one = pipeline_run(on=AS_OF, trigger=RunTrigger.COMMAND)
    alone = result_hashes()
    KpmAssessment.objects.all().delete()
    # The coordinator pauses between its batches, so the helper (a fresh interpreter, a few
    # seconds to start) finds batches left to take.
    settings.GRADUASI_BATCH_PAUSE_MS = 700

    shared = pipeline_run(on=AS_OF, trigger=RunTrigger.COMMAND, force=True, processes=2)

    assert shared is not None and one is not None
    assert result_hashes() == alone
    assert (shared.status, shared.assessed, shared.changed) == (RunStatus.DONE, active, active)
    batches = PipelineBatch.objects.filter(run=shared)
    assert batches.count() == -(-active // 20)
    assert not batches.filter(done=False).exists()
    assert sum(batches.values_list("assessed", flat=True)) == active
    assert len(set(batches.values_list("taken_by", flat=True))) == 2


def test_a_helper_of_a_finished_or_unknown_run_does_nothing(db):
    run = PipelineRun.objects.create(
        as_of=AS_OF,
        trigger=RunTrigger.SCHEDULE,
        status=RunStatus.DONE,
        started_at=timezone.now(),
    )
    PipelineBatch.objects.create(run=run, first_kpm=1, last_kpm=10)

    assert batches_help(run.pk) == 0
    assert batches_help(run.pk + 1000) == 0
    assert PipelineBatch.objects.filter(done=False).count() == 1


def test_the_command_refuses_zero_processes(db):
    from django.core.management.base import CommandError

    try:
        call_command("assess", "--processes", "0", stdout=StringIO())
    except CommandError as exc:
        assert "--processes" in str(exc)
    else:
        raise AssertionError("assess --processes 0 was accepted")
