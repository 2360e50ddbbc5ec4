"""Redis down, against real Redis: the broker (and the cache) point at a port where nothing
listens. A pendamping still saves a visit through the real form, at once; its task waits in
the outbox and admins are told; once Redis is back the relay sends it exactly once, two
relays at once send each task once, and a worker that starts sends what waited and runs it.

The database is transactional (committed rows, as in production: the commit is what sends a
task, and a worker in another process must see the rows)."""

from __future__ import annotations

import os
import signal
import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from antrian.broker import CONNECT_TIMEOUT
from antrian.models import TaskMessage
from antrian.services import messages_relay
from graduasi.models import KpmAssessment
from pendamping.models import EconomicAssessment, Visit
from tests.conftest import live_db
from tests.faults.helpers import (
    dead_redis,
    drain,
    live_redis,
    start_project,
    visit_form,
    visit_url,
    wait_for,
)

pytestmark = [pytest.mark.redis, live_db]

DISCONNECTED = "Antrian tugas tidak terhubung: 1 tugas menunggu dikirim sejak"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def post_visit_with_redis_down(client, world, broker) -> TaskMessage:
    """The pendamping saves a visit with an economic assessment while Redis is down."""
    broker.point_at(dead_redis())
    client.force_login(world.pendamping_kota.user)

    started = time.monotonic()
    response = client.post(visit_url(world.kpm_own), visit_form())
    took = time.monotonic() - started

    assert response.status_code == 302, response.content.decode()[:500]
    assert took < CONNECT_TIMEOUT + 2, f"the request waited {took:.1f} s on a dead Redis"
    assert Visit.objects.filter(kpm=world.kpm_own).count() == 1
    assert EconomicAssessment.objects.filter(kpm=world.kpm_own).count() == 1
    message = TaskMessage.objects.get()
    assert (message.task, message.args) == ("graduasi.tasks.reassess_kpm", [[world.kpm_own.pk]])
    assert message.sent_at is None and message.attempts == 1
    assert "Connection refused" in message.last_error
    return message


def test_with_redis_down_a_visit_saves_its_task_waits_and_goes_once_when_redis_is_back(
    client, world, broker
):
    redis_url = live_redis()
    message = post_visit_with_redis_down(client, world, broker)

    with pytest.raises(CommandError, match="did not answer"):  # the relay, still down
        call_command("relay_tasks", stdout=StringIO())
    message.refresh_from_db()
    assert (message.sent_at, message.attempts) == (None, 2)

    client.force_login(world.admin)  # the admin index: tests/faults/test_outbox.py
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert DISCONNECTED in response.content.decode()

    broker.point_at(redis_url)  # Redis is back
    out = StringIO()
    call_command("relay_tasks", stdout=out)
    again = StringIO()
    call_command("relay_tasks", stdout=again)

    assert out.getvalue().strip() == "1 task(s) sent, 0 waiting."
    assert again.getvalue().strip() == "0 task(s) sent, 0 waiting."
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 3 and message.last_error == ""
    arrived = drain()
    assert arrived == [
        {
            "task": "graduasi.tasks.reassess_kpm",
            "id": str(message.message_id),
            "args": [[world.kpm_own.pk]],
            "kwargs": {},
        }
    ]
    assert 'data-testid="queue-warning"' not in client.get(reverse("home")).content.decode()


def test_with_redis_up_a_visit_sends_its_task_at_once(client, world, broker):
    broker.point_at(live_redis())
    client.force_login(world.pendamping_kota.user)

    response = client.post(visit_url(world.kpm_own), visit_form())

    assert response.status_code == 302
    message = TaskMessage.objects.get()
    assert message.sent_at is not None and message.attempts == 1
    assert [m["id"] for m in drain()] == [str(message.message_id)]


def test_two_relays_at_once_send_each_waiting_task_once(world, broker):
    TaskMessage.objects.bulk_create(
        TaskMessage(task="graduasi.tasks.reassess_kpm", args=[[n]]) for n in range(60)
    )
    broker.point_at(live_redis())
    start = threading.Barrier(2)
    reports = []

    def relay() -> None:
        try:
            start.wait()
            reports.append(messages_relay(batch_size=5))
        finally:
            connection.close()  # this thread's own database connection

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(r.sent for r in reports) == 60
    assert not TaskMessage.objects.filter(sent_at__isnull=True).exists()
    arrived = [m["id"] for m in drain()]
    assert sorted(arrived) == sorted(str(m) for m in TaskMessage.objects.values_list(
        "message_id", flat=True))  # fmt: skip
    assert len(set(arrived)) == 60


def test_a_worker_that_starts_sends_what_waited_and_runs_it(client, world, broker, tmp_path):
    redis_url = live_redis()
    message = post_visit_with_redis_down(client, world, broker)
    assert not KpmAssessment.objects.exists()

    log = tmp_path / "worker.log"
    worker = start_project(
        ["-m", "celery", "-A", "config", "worker", "--pool=solo", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-l", "info"],
        log=log, CELERY_BROKER_URL=redis_url,
    )  # fmt: skip
    try:

        def assessed() -> bool:
            if worker.poll() is not None:
                raise AssertionError(f"worker exited:\n{log.read_text()[-3000:]}")
            return KpmAssessment.objects.filter(kpm=world.kpm_own).exists()

        wait_for("the worker to run the task that waited", assessed)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)

    message.refresh_from_db()
    assert message.sent_at is not None
    output = log.read_text()
    assert "task relay at worker start: 1 sent, 0 waiting" in output
    assert output.count(f"[{message.message_id}] succeeded") == 1
