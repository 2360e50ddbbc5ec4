"""The task outbox with no broker (tasks in-process): a task is queued with the change that asks
for it and only if that change commits, runs once after the commit and is marked sent; the
relay runs what waited, oldest first, once; a failing task keeps its error and leaves the
change saved. The warning rule, table-driven, and the warning on the admin pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from antrian.models import TaskMessage
from antrian.rules import QueueState, QueueWarning, queue_warning
from antrian.services import enqueue, message_send, messages_prune, messages_relay
from graduasi.models import KpmAssessment
from graduasi.tasks import reassess_kpm
from pendamping.models import Visit
from tests.faults.helpers import dead_redis, visit_form, visit_url

NOW = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# The rule -------------------------------------------------------------------------------------

WARNINGS = [
    # reachable, waiting, oldest waiting, expected
    (True, 0, None, None),
    (True, 3, NOW - 4 * MINUTE, None),  # sent within the minute the relay takes
    (True, 3, NOW - 5 * MINUTE, None),  # exactly the limit: not yet
    (True, 1, NOW - 6 * MINUTE, QueueWarning.STALLED),
    (False, 0, None, QueueWarning.DISCONNECTED),
    (False, 2, NOW - MINUTE, QueueWarning.DISCONNECTED),
    (False, 2, NOW - 60 * MINUTE, QueueWarning.DISCONNECTED),
]


@pytest.mark.parametrize(("reachable", "waiting", "oldest", "expected"), WARNINGS)
def test_the_queue_warning_rule(reachable, waiting, oldest, expected):
    state = QueueState(reachable=reachable, waiting=waiting, oldest_waiting=oldest)
    assert queue_warning(state, now=NOW) is expected


# With no broker --------------------------------------------------------------------------------


def test_a_task_queued_by_a_change_that_is_rolled_back_is_never_sent(
    world, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue(reassess_kpm, [world.kpm_own.pk])
        raise RuntimeError("the change fails after queueing its task")

    assert callbacks == []
    assert not TaskMessage.objects.exists()
    assert not KpmAssessment.objects.exists()


def test_a_saved_visit_runs_its_task_once_after_the_commit_and_marks_it_sent(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.pendamping_kota.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(visit_url(world.kpm_own), visit_form())

    assert response.status_code == 302
    message = TaskMessage.objects.get()
    assert (message.task, message.args, message.kwargs) == (
        "graduasi.tasks.reassess_kpm", [[world.kpm_own.pk]], {},
    )  # fmt: skip
    assert message.sent_at is not None and message.attempts == 1 and message.last_error == ""
    assert KpmAssessment.objects.filter(kpm=world.kpm_own).exists()  # the task ran

    KpmAssessment.objects.all().delete()
    assert message_send(message_pk=message.pk) is False  # already sent: not run again
    assert messages_relay().sent == 0
    assert not KpmAssessment.objects.exists()


def test_the_relay_runs_what_waited_oldest_first_and_each_once(
    world, django_capture_on_commit_callbacks
):
    kpms = [world.kpm_own, world.kpm_same_district, world.kpm_other_district]
    # The commit's callbacks are dropped, as when a process dies between commit and sending.
    with django_capture_on_commit_callbacks(execute=False):
        queued = [enqueue(reassess_kpm, [kpm.pk]) for kpm in kpms]

    first = messages_relay()
    second = messages_relay()

    assert (first.sent, first.waiting, first.failed) == (3, 0, False)
    assert second.sent == 0
    sent = TaskMessage.objects.order_by("id")
    assert [m.pk for m in sent] == [m.pk for m in queued]
    times = [m.sent_at for m in sent if m.sent_at is not None]
    assert len(times) == 3 and times == sorted(times)
    assert list(sent.values_list("attempts", flat=True)) == [1, 1, 1]
    assert KpmAssessment.objects.filter(kpm__in=kpms).count() == 3


def test_the_relay_command_reports_what_it_sent(world, django_capture_on_commit_callbacks):
    from io import StringIO

    with django_capture_on_commit_callbacks(execute=False):
        enqueue(reassess_kpm, [world.kpm_own.pk])
    out = StringIO()

    call_command("relay_tasks", stdout=out)

    assert out.getvalue().strip() == "1 task(s) sent, 0 waiting."
    assert KpmAssessment.objects.filter(kpm=world.kpm_own).exists()


def test_a_failing_task_keeps_its_error_and_the_change_that_queued_it_stays_saved(
    world, django_capture_on_commit_callbacks
):
    from pendamping.services.visits import visit_log

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        visit = visit_log(
            kpm=world.kpm_own, actor=world.pendamping_kota.user,
            visited_on=timezone.localdate(), purposes=["verifikasi_komitmen"],
        )  # fmt: skip
        enqueue(reassess_kpm, [world.kpm_own.pk], "2026-13-45")  # not a date: the task fails

    assert Visit.objects.filter(pk=visit.pk).exists()
    message = TaskMessage.objects.get()
    assert message.sent_at is not None  # it ran, as a worker would have, and is not run again
    assert message.last_error.startswith("ValueError")
    assert messages_relay().sent == 0


def test_sent_messages_are_forgotten_after_a_week_and_waiting_ones_never(db):
    now = timezone.now()
    old = TaskMessage.objects.create(task="t", sent_at=now - timedelta(days=8))
    recent = TaskMessage.objects.create(task="t", sent_at=now - timedelta(days=6))
    waiting = TaskMessage.objects.create(task="t", created_at=now - timedelta(days=30))

    assert messages_prune() == 1

    left = set(TaskMessage.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk}
    assert old.pk not in left


# The warning ----------------------------------------------------------------------------------

STALLED = "Antrian tugas tersendat: 1 tugas menunggu dikirim sejak"


def test_admins_are_warned_when_a_task_has_waited_for_minutes(client, world):
    client.force_login(world.admin)
    queued = timezone.now() - timedelta(minutes=10)
    TaskMessage.objects.create(task="graduasi.tasks.reassess_kpm", args=[[1]], created_at=queued)
    since = timezone.localtime(queued).strftime("%d-%m-%Y %H:%M")

    for page in (reverse("admin:index"), reverse("home")):
        text = client.get(page).content.decode()
        assert f"{STALLED} {since}." in text, page
        assert "manage.py relay_tasks" in text


def test_no_warning_while_tasks_are_sent_in_time(client, world):
    TaskMessage.objects.create(task="graduasi.tasks.reassess_kpm", args=[[1]])  # just queued
    client.force_login(world.admin)

    for page in (reverse("admin:index"), reverse("home")):
        assert 'data-testid="queue-warning"' not in client.get(page).content.decode()


def test_admins_are_warned_at_once_when_redis_does_not_answer(client, world, broker):
    broker.point_at(dead_redis())
    client.force_login(world.admin)

    nothing_waits = client.get(reverse("admin:index")).content.decode()
    queued = timezone.now() - timedelta(seconds=30)
    TaskMessage.objects.create(task="graduasi.tasks.reassess_kpm", args=[[1]], created_at=queued)
    one_waits = client.get(reverse("admin:index")).content.decode()

    assert "Antrian tugas tidak terhubung: belum ada tugas yang menunggu dikirim." in nothing_waits
    since = timezone.localtime(queued).strftime("%d-%m-%Y %H:%M")
    assert f"Antrian tugas tidak terhubung: 1 tugas menunggu dikirim sejak {since}." in one_waits
    assert "Data yang disimpan pengguna tetap aman" in one_waits


def test_only_admins_see_the_warning_on_their_home_page(client, world):
    queued = timezone.now() - timedelta(minutes=10)
    TaskMessage.objects.create(task="graduasi.tasks.reassess_kpm", args=[[1]], created_at=queued)

    for user in (world.pendamping_kota.user, world.dinsos_kota, world.kementerian_national):
        client.force_login(user)
        assert STALLED not in client.get(reverse("home")).content.decode()
