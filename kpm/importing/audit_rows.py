"""Audit rows of one import, written with a single COPY.

Who, from which request and on which kind of object is decided by audit.services.audit_event,
called once per kind of object; only the insert differs from audit_write, whose bulk_create
costs more than the import itself at 100,000 rows.
"""

from __future__ import annotations

import io
from typing import Any

import orjson
from django.db import models
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from audit.services import audit_event
from kpm.importing.sql import copy_text

AUDIT_COLUMNS = (
    "occurred_at", "actor_id", "actor_label", "action", "object_type", "object_id",
    "object_label", "changes", "request_id",
)  # fmt: skip


class AuditBatch:
    """Collects audit rows (who, what, before/after) and writes them in one statement."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.lines: list[str] = []
        self._common: dict[tuple[type[models.Model], str], tuple[str, str]] = {}
        self.now = timezone.now()

    def add(
        self,
        action: AuditAction,
        model: type[models.Model],
        pk: int,
        label: str,
        changes: dict[str, list[Any]],
    ) -> None:
        """One row for object `pk` of `model`; `changes` is {field: [before, after]}."""
        head, tail = self._common.get((model, action)) or self._for(model, action)
        changes_json = orjson.dumps(changes).decode()
        self.lines.append(f"{head}{pk}\t{copy_text(label[:200])}\t{copy_text(changes_json)}{tail}")

    def _for(self, model: type[models.Model], action: AuditAction) -> tuple[str, str]:
        """The parts of a row that audit_event decides, once per kind of object and action."""
        event = audit_event(actor=self.actor, action=action, obj=model(), changes={})
        head = [self.now, event.actor_id, event.actor_label, action.value, event.object_type]
        tail = "\t" + copy_text(event.request_id) + "\n"
        self._common[(model, action)] = ("".join(copy_text(v) + "\t" for v in head), tail)
        return self._common[(model, action)]

    def write(self, cursor: Any) -> int:
        """COPY the collected rows into the audit table; returns how many."""
        columns = ", ".join(AUDIT_COLUMNS)
        buffer = io.StringIO("".join(self.lines))
        cursor.copy_expert(f"COPY {AuditEvent._meta.db_table} ({columns}) FROM STDIN", buffer)
        written, self.lines = len(self.lines), []
        return written


def created(fields: tuple[str, ...], values: tuple[Any, ...], **extra: Any) -> dict[str, list]:
    """Changes of a new object: [None, value] for each field that has a value."""
    changes = {name: [None, value] for name, value in extra.items()}
    changes.update(
        (name, [None, value])
        for name, value in zip(fields, values, strict=True)
        if value is not None
    )
    return changes
