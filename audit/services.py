"""Write audit rows. Call inside the same transaction as the change being recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from audit.context import request_id
from audit.models import AccessEvent, AuditAction, AuditEvent

SUBJECT_EXPORT_PURPOSE = "ekspor data subjek"


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def field_values(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `obj` (foreign keys by id), JSON-safe."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: _plain(getattr(obj, name)) for name in names}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for each field whose value differs."""
    keys = set(before) | set(after)
    return {
        k: [_plain(before.get(k)), _plain(after.get(k))]
        for k in sorted(keys)
        if _plain(before.get(k)) != _plain(after.get(k))
    }


def audit_event(
    *,
    actor: Any,
    action: AuditAction,
    obj: models.Model,
    changes: Mapping[str, list[Any]],
) -> AuditEvent:
    """Build (unsaved) one audit row; pass a list of them to audit_write."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = user.get_username() if user else (str(actor) if actor else "sistem")
    return AuditEvent(
        actor=user,
        actor_label=label[:150],
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=str(obj)[:200],
        changes=dict(changes),
        request_id=request_id.get(),
    )


def audit_write(events: list[AuditEvent]) -> int:
    """Insert audit rows in one statement; returns how many."""
    AuditEvent.objects.bulk_create(events, batch_size=5_000)
    return len(events)


def audit_record(
    *, actor: Any, action: AuditAction, obj: models.Model, changes: Mapping[str, list[Any]]
) -> AuditEvent:
    """Write one audit row now."""
    event = audit_event(actor=actor, action=action, obj=obj, changes=changes)
    event.save()
    return event


def access_record(
    *,
    actor: Any,
    endpoint: str,
    purpose: str,
    object_type: str,
    record_ids: Iterable[Any],
    detail: Mapping[str, Any] | None = None,
    client: Any = None,
) -> AccessEvent:
    """Log that `actor` (for an agency, through API `client`) received these records of personal
    data (UU PDP No. 27/2022)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = user.get_username() if user else (str(actor) if actor else "sistem")
    ids = [str(i) for i in record_ids]
    return AccessEvent.objects.create(
        actor=user,
        actor_label=label[:150],
        client=client,
        endpoint=endpoint[:300],
        purpose=purpose[:200],
        object_type=object_type,
        record_ids=ids,
        record_count=len(ids),
        detail=dict(detail or {}),
        request_id=request_id.get(),
    )


def subject_export_record(
    *, actor: Any, member: models.Model, endpoint: str, kpm_ids: list[str], events: int
) -> AccessEvent:
    """Record that `actor` handed out the data subject's export of `member`: an access event
    (who received the data, for what) and an audit row on the member, in one transaction."""
    with transaction.atomic():
        access = access_record(
            actor=actor,
            endpoint=endpoint,
            purpose=SUBJECT_EXPORT_PURPOSE,
            object_type="kpm.anggota",
            record_ids=[member.pk],
            detail={"kpm": kpm_ids, "events": events},
        )
        audit_record(
            actor=actor, action=AuditAction.EXPORT, obj=member, changes={"akses": [None, access.pk]}
        )
    return access
