"""When the task queue needs an admin's attention. Pure: the state and the moment are given."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

# Sending is immediate when the broker answers and the relay runs every minute: a message
# waiting longer than this means the broker or the relay is down. An operating choice.
STALE_AFTER = timedelta(minutes=5)


class QueueWarning(enum.Enum):
    DISCONNECTED = "tidak_terhubung"  # the broker does not answer
    STALLED = "tersendat"  # the broker answers, but old messages still wait


@dataclass(frozen=True)
class QueueState:
    reachable: bool
    waiting: int
    oldest_waiting: datetime | None  # when the oldest waiting message was queued


def queue_warning(
    state: QueueState, *, now: datetime, stale_after: timedelta = STALE_AFTER
) -> QueueWarning | None:
    """DISCONNECTED when the broker does not answer; STALLED when it does but a message has
    waited longer than `stale_after`; otherwise nothing to say."""
    if not state.reachable:
        return QueueWarning.DISCONNECTED
    if state.oldest_waiting is not None and now - state.oldest_waiting > stale_after:
        return QueueWarning.STALLED
    return None
