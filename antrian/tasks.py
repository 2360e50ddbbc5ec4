"""The relay as a periodic task (beat, every minute). Beat sends it straight to the broker, not
through the outbox: it only matters once the broker answers again."""

from __future__ import annotations

from celery import shared_task

from antrian.services import messages_prune, messages_relay


@shared_task(ignore_result=True)
def relay_pending() -> dict[str, int]:
    """Send what waits in the outbox and forget what was sent a week ago."""
    report = messages_relay()
    return {"sent": report.sent, "waiting": report.waiting, "pruned": messages_prune()}
