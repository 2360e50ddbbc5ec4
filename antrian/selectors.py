"""Reads of the outbox: what waits, and whether the broker answers."""

from __future__ import annotations

from django.db.models import Count, Min

from antrian.broker import broker_reachable
from antrian.models import TaskMessage
from antrian.rules import QueueState


def queue_state() -> QueueState:
    """How many messages wait to be sent, since when, and whether the broker answers now."""
    waiting = TaskMessage.objects.filter(sent_at__isnull=True).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    return QueueState(
        reachable=broker_reachable(), waiting=waiting["count"], oldest_waiting=waiting["oldest"]
    )
