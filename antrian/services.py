"""Queueing a background task through the outbox, sending what waits, and pruning what was sent.

`enqueue` writes the task as a row in the caller's transaction: if the change is rolled back,
so is the task; if it commits, the task will be sent even when the broker is down right now.
After the commit the row is sent at once (one try, a short timeout); what could not be sent is
sent later, oldest first, by the relay (a periodic task, the `relay_tasks` command, and every
worker as it starts). A row is marked sent in the same transaction that holds its row lock
while it is published, so two relays never send one row twice. The one gap is a crash after
the broker took a message but before the mark committed: the message is sent again, with
the same task id. Every task queued this way changes nothing when delivered again after the
first delivery finished (tests/faults/test_duplicate_delivery.py).

With no broker (tasks run in-process) the row is claimed, marked sent and its task run here
after the commit; a task that fails is logged and its error kept on the row, and the change
that queued it stays saved, as it would with a worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from antrian.broker import broker_connection, in_process, publish, run_here
from antrian.models import TaskMessage

log = logging.getLogger(__name__)
RELAY_BATCH = 100  # messages per relay transaction
KEEP_SENT = timedelta(days=7)
ERROR_KEPT = 2_000  # characters of a send error kept on the row


def enqueue(task: Task | str, *args: Any, **kwargs: Any) -> TaskMessage:
    """Queue `task(*args, **kwargs)` as part of the current transaction; it is sent once that
    commits (at once in autocommit). Arguments must be JSON, as Celery sends them."""
    name = task if isinstance(task, str) else task.name
    message = TaskMessage.objects.create(task=name, args=list(args), kwargs=kwargs)
    transaction.on_commit(partial(message_send, message_pk=message.pk))
    return message


def message_send(*, message_pk: int) -> bool:
    """Send (or, with no broker, run) one message if it is still waiting; True when done.
    Never raises: a message that could not be sent waits for the relay."""
    try:
        if in_process():
            message = _claim(TaskMessage.objects.filter(pk=message_pk))
            return message is not None and _run_claimed(message)
        with broker_connection() as connection, transaction.atomic():
            message = _lock_waiting(TaskMessage.objects.filter(pk=message_pk))
            return message is not None and _publish_locked(message, connection)
    except Exception as exc:  # the broker (or the database) did not answer
        log.warning("task message %s not sent now; the relay sends it later: %s", message_pk, exc)
        _note_failure([message_pk], exc)
        return False


@dataclass
class RelayReport:
    sent: int = 0
    failed: bool = False  # the broker refused or did not answer; the rest waits
    waiting: int = 0


def messages_relay(*, batch_size: int = RELAY_BATCH) -> RelayReport:
    """Send every waiting message, oldest first, until none is left or the broker fails."""
    report = RelayReport()
    if in_process():
        while (message := _claim(_waiting())) is not None:
            report.sent += _run_claimed(message)
    else:
        try:
            with broker_connection() as connection:
                while not report.failed and _relay_batch(connection, batch_size, report):
                    pass
        except Exception as exc:  # no connection: note it on the oldest waiting message
            log.warning("task relay: broker not reachable: %s", exc)
            _note_failure(_waiting().values("pk")[:1], exc)
            report.failed = True
    report.waiting = _waiting().count()
    return report


def messages_prune(*, keep: timedelta = KEEP_SENT) -> int:
    """Delete messages sent more than `keep` ago; how many."""
    cutoff = timezone.now() - keep
    return TaskMessage.objects.filter(sent_at__lt=cutoff).delete()[0]


def _relay_batch(connection: Any, batch_size: int, report: RelayReport) -> bool:
    """Publish one batch in one transaction; False when there was nothing left to send."""
    with transaction.atomic():
        batch = list(
            TaskMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True)
            .order_by("id")[:batch_size]
        )
        for message in batch:
            if not _publish_locked(message, connection):
                report.failed = True
                break
            report.sent += 1
    return bool(batch)


def _waiting() -> Any:
    return TaskMessage.objects.filter(sent_at__isnull=True).order_by("id")


def _lock_waiting(messages: Any) -> TaskMessage | None:
    """The message, locked, if it is still waiting and no other sender holds it."""
    return messages.select_for_update(skip_locked=True).filter(sent_at__isnull=True).first()


def _publish_locked(message: TaskMessage, connection: Any) -> bool:
    """Publish a locked message and mark it sent in the lock's transaction; on failure keep
    the error on it and leave it waiting."""
    now = timezone.now()
    message.attempts += 1
    message.last_attempt_at = now
    try:
        publish(message, connection=connection)
    except Exception as exc:
        log.warning("task message %s (%s) not sent: %s", message.pk, message.task, exc)
        message.last_error = _error_text(exc)
        message.save(update_fields=["attempts", "last_attempt_at", "last_error"])
        return False
    message.sent_at, message.last_error = now, ""
    message.save(update_fields=["attempts", "last_attempt_at", "sent_at", "last_error"])
    return True


def _claim(messages: Any) -> TaskMessage | None:
    """With no broker: mark the first waiting message of `messages` sent and return it, so it
    runs once however many processes relay at the same time."""
    with transaction.atomic():
        message = _lock_waiting(messages)
        if message is None:
            return None
        message.sent_at = message.last_attempt_at = timezone.now()
        message.attempts += 1
        message.save(update_fields=["sent_at", "last_attempt_at", "attempts"])
    return message


def _run_claimed(message: TaskMessage) -> bool:
    """Run a claimed message's task here, outside any transaction of ours, as a worker would;
    a failure is logged and kept on the row."""
    try:
        run_here(message)
    except Exception as exc:
        log.exception("task %s (message %s) failed", message.task, message.pk)
        TaskMessage.objects.filter(pk=message.pk).update(last_error=_error_text(exc))
        return False
    return True


def _note_failure(pks: Any, exc: BaseException) -> None:
    """Count a failed try on these messages if still waiting; nothing if the database is down
    too."""
    try:
        TaskMessage.objects.filter(pk__in=pks, sent_at__isnull=True).update(
            attempts=F("attempts") + 1,
            last_attempt_at=timezone.now(),
            last_error=_error_text(exc),
        )
    except Exception:
        log.warning("could not record the failed send", exc_info=True)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_KEPT]
