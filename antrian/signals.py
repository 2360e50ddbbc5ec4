"""A worker that starts sends what waited in the outbox while no worker or broker was there,
before it takes its first task."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_ready
from django.db import connections

log = logging.getLogger(__name__)


@worker_ready.connect
def relay_on_worker_start(**_: Any) -> None:
    from antrian.services import messages_relay

    try:
        report = messages_relay()
    except Exception:  # a worker starts even if the database is not there yet
        log.exception("task relay at worker start failed")
        return
    finally:
        # The worker's main process forks new pool processes later: none may inherit this
        # process's database connection.
        connections.close_all()
    log.info("task relay at worker start: %d sent, %d waiting", report.sent, report.waiting)
