"""What the fault tests share: this suite's own Redis database, a broker address where nothing
listens, pointing the Celery app (and the cache) at either, reading what reached a queue, a
visit posted through the real form, and subprocesses of the project against the test database.

Redis database 14 belongs to these tests alone: it is emptied before and after each use."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.conftest import needs_service
from tests.graduasi.test_pipeline_worker import wait_for as wait_for  # shared with these tests
from tests.graduasi.test_pipeline_worker import worker_database_url
from tests.kpm.test_import_worker import _forget_connections

REDIS_URL = os.environ.get("FAULTS_REDIS_URL", "redis://127.0.0.1:6379/14")
QUEUE = "celery"  # Celery's default queue, in this suite's own Redis database
TIMEOUT = 60.0


def live_redis() -> str:
    """The suite's Redis database, emptied; skip (fail under CI=true) when Redis is absent."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError as exc:
        needs_service("Redis", f"{REDIS_URL}: {exc}")
    return REDIS_URL


def dead_redis() -> str:
    """A Redis address on this machine where nothing listens: Redis down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@dataclass
class Broker:
    """Points the Celery app, and the cache that follows the broker in production, at a URL."""

    settings: Any
    monkeypatch: pytest.MonkeyPatch

    def point_at(self, url: str) -> None:
        from config.celery import app

        # Celery reads CELERY_BROKER_URL from the environment before its own settings (CI sets
        # it), so the environment is pointed too.
        self.monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.update(broker_url=url, task_always_eager=False)
        _forget_connections(app)
        self.settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"pkh-faults-{os.getpid()}",
            }
        }


def drain(queue: str = QUEUE) -> list[dict[str, Any]]:
    """Take every message waiting in the queue with kombu's consumer: task name, id, args."""
    from kombu import Connection

    taken = []
    with Connection(REDIS_URL) as connection:
        simple = connection.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = simple.get(block=True, timeout=0.5)
                except simple.Empty:
                    break
                args, kwargs, _embed = message.decode()
                taken.append(
                    {"task": message.headers["task"], "id": message.headers["id"],
                     "args": args, "kwargs": kwargs}
                )  # fmt: skip
                message.ack()
        finally:
            simple.close()
    return taken


def visit_url(kpm: Any) -> str:
    return reverse("kunjungan:create", args=[kpm.kpm_id])


def visit_form(**overrides: Any) -> dict[str, Any]:
    """A visit with an economic assessment, as the pendamping's phone posts it; the assessment
    queues the KPM's re-assessment."""
    import uuid

    data = {
        "visited_on": timezone.localdate().isoformat(),
        "purposes": ["asesmen_graduasi"],
        "notes": "Usaha warung berjalan.",
        "idempotency_key": str(uuid.uuid4()),
        "household_income": "1.500.000",
        "member_count": "3",
        "stable_income": "ya",
    }
    return {**data, **overrides}


def project_env(**extra: str) -> dict[str, str]:
    """The environment of a subprocess of the project on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DJANGO_DEBUG": "true",
        "LOG_LEVEL": "INFO",
        **extra,
    }


def start_project(command: list[str], *, log: Path, **env: str) -> subprocess.Popen:
    """Start `python <command>` in the project directory, in its own process group, its output
    to `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, *command],
            cwd=settings.BASE_DIR,
            env=project_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
