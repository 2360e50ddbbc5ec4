"""The audit trail and the access log are append-only: PostgreSQL itself refuses UPDATE, DELETE
and TRUNCATE of their rows, through the ORM or raw SQL on the app's own connection."""

import pytest
from django.db import DatabaseError, connection, connections, transaction

from audit.models import AccessEvent, AuditAction, AuditEvent
from audit.services import access_record, audit_record

TABLES = ["audit_auditevent", "audit_accessevent"]


@pytest.fixture
def event(world):
    return audit_record(
        actor=world.admin,
        action=AuditAction.UPDATE,
        obj=world.kpm_own,
        changes={"alamat": ["Jl. Lama", "Jl. Baru"]},
    )


@pytest.fixture
def access(world):
    return access_record(
        actor=world.dinsos_kota,
        endpoint="/kpm/ekspor/",
        purpose="ekspor",
        object_type="kpm.kpm",
        record_ids=[world.kpm_own.pk],
    )


def refused(sql: str) -> None:
    """`sql` on the app's connection fails as append-only, and changes nothing. The test
    database's sessions may TRUNCATE (tests/environment.py); this one is put back as production
    runs."""
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL audit.allow_truncate = 'off'")
        # The fixtures' rows leave deferred foreign-key checks pending in this transaction,
        # and PostgreSQL refuses a TRUNCATE before any trigger while checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)


def test_update_through_the_orm_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.DELETE)
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.UPDATE


def test_delete_through_the_orm_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_access_log_update_and_delete_through_the_orm_are_refused(access):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessEvent.objects.filter(pk=access.pk).update(purpose="lain")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessEvent.objects.filter(pk=access.pk).delete()
    assert AccessEvent.objects.get(pk=access.pk).purpose == "ekspor"


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE {table} SET actor_label = 'x'",
        "UPDATE {table} SET occurred_at = occurred_at - interval '1 year'",
        "DELETE FROM {table}",
        "TRUNCATE {table}",
        "TRUNCATE {table} RESTART IDENTITY CASCADE",
    ],
)
def test_raw_sql_that_alters_the_logs_is_refused(event, access, table, sql):
    refused(sql.format(table=table))

    assert AuditEvent.objects.get(pk=event.pk).actor_label == "admin_pusat"
    assert AccessEvent.objects.get(pk=access.pk).actor_label == "dinsos_kota"
    assert AuditEvent.objects.count() == AccessEvent.objects.count() == 1


def test_truncating_the_users_cannot_empty_the_logs_by_cascade(event, access):
    refused("TRUNCATE pengguna_user CASCADE")

    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert AccessEvent.objects.filter(pk=access.pk).exists()


@pytest.mark.django_db
def test_a_connection_opened_as_production_opens_it_refuses_truncate(monkeypatch):
    """No PGOPTIONS: the session has no `audit.allow_truncate`, as in production."""
    monkeypatch.delenv("PGOPTIONS", raising=False)
    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")
            for table in TABLES:
                with pytest.raises(DatabaseError, match="append-only"):
                    cursor.execute(f"TRUNCATE {table}")
    finally:
        fresh.close()


def test_insert_is_allowed_and_keeps_actor_and_changes(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == event.actor
    assert stored.object_type == "kpm.kpm"
    assert stored.object_id == str(event.object_id)
    assert stored.changes == {"alamat": ["Jl. Lama", "Jl. Baru"]}
