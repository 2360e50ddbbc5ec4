"""The audit trail is append-only: PostgreSQL itself refuses UPDATE and DELETE."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record


@pytest.fixture
def event(world):
    return audit_record(
        actor=world.admin,
        action=AuditAction.UPDATE,
        obj=world.kpm_own,
        changes={"alamat": ["Jl. Lama", "Jl. Baru"]},
    )


def test_update_through_the_orm_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.DELETE)
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.UPDATE


def test_delete_through_the_orm_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_update_and_delete_are_refused(event):
    for sql in ("UPDATE audit_auditevent SET actor_label = 'x'", "DELETE FROM audit_auditevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "admin_pusat"


def test_insert_is_allowed_and_keeps_actor_and_changes(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == event.actor
    assert stored.object_type == "kpm.kpm"
    assert stored.object_id == str(event.object_id)
    assert stored.changes == {"alamat": ["Jl. Lama", "Jl. Baru"]}
