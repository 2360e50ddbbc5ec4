"""The broker, asked with a short fuse. A web request that queues a task must never wait on a
broker that is down: Celery's own publishing retries and reconnects for several seconds, so
the outbox opens its own connection, tries once, and gives up after CONNECT_TIMEOUT; what was
not sent waits in the outbox for the relay."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from kombu import Connection

from antrian.models import TaskMessage
from config.celery import app as celery_app

# The project's Celery app is imported by name: `celery.current_app` is per thread, and in a
# thread that never set it (a relay run from a thread) it is Celery's empty fallback app.

CONNECT_TIMEOUT = 2.0  # seconds, for connecting and for each read or write on the socket
_FUSE = {"socket_connect_timeout": CONNECT_TIMEOUT, "socket_timeout": CONNECT_TIMEOUT}


def in_process() -> bool:
    """True when there is no broker and tasks run in this process (no CELERY_BROKER_URL)."""
    return bool(celery_app.conf.task_always_eager)


@contextlib.contextmanager
def broker_connection() -> Iterator[Connection]:
    """A connection to the broker, made once with no retry; raises when it cannot be made."""
    with celery_app.connection_for_write(
        connect_timeout=CONNECT_TIMEOUT, transport_options=dict(_FUSE)
    ) as connection:
        connection.ensure_connection(max_retries=0, timeout=CONNECT_TIMEOUT)
        yield connection


def broker_reachable() -> bool:
    """Whether the broker answers now (always, when tasks run in this process)."""
    if in_process():
        return True
    try:
        with broker_connection() as connection:
            connection.default_channel  # noqa: B018 (opening a channel talks to the broker)
    except Exception:  # any failure to talk to it is "not reachable"
        return False
    return True


def publish(message: TaskMessage, *, connection: Connection) -> None:
    """Hand the message to the broker once, as Celery task `message.task` with the message's
    id as the task id (a duplicate delivery carries the same id)."""
    options: dict[str, Any] = {
        "task_id": str(message.message_id),
        "connection": connection,
        "retry": False,
    }
    task = celery_app.tasks.get(message.task)
    if task is None:  # a task only the workers know
        celery_app.send_task(message.task, args=message.args, kwargs=message.kwargs, **options)
    else:
        task.apply_async(args=message.args, kwargs=message.kwargs, **options)


def run_here(message: TaskMessage) -> None:
    """Run the message's task in this process (no broker); raises what the task raises."""
    task = celery_app.tasks[message.task]
    task.apply(
        args=message.args, kwargs=message.kwargs, task_id=str(message.message_id), throw=True
    )
