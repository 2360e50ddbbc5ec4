"""Fixtures of the fault tests (helpers in tests/faults/helpers.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.faults.helpers import REDIS_URL, Broker
from tests.kpm.test_import_worker import _forget_connections


@pytest.fixture
def broker(settings, monkeypatch) -> Iterator[Broker]:
    """The broker as a test sets it; the app's own settings come back afterwards, and the
    suite's Redis database is emptied."""
    import redis

    from config.celery import app

    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    try:
        yield Broker(settings, monkeypatch)
    finally:
        app.conf.update(previous)
        _forget_connections(app)
        with contextlib.suppress(redis.exceptions.ConnectionError):
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
