"""Write one chunk's plan: COPY into temporary tables, then INSERT/UPDATE from them, with an
audit row for every KPM, anggota and assessment created or changed. Call inside the import's
transaction."""

# Statements are built only from this module's table and column constants; every value goes
# through COPY or a query parameter.
# ruff: noqa: S608

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection

from audit.models import AuditAction, AuditEvent
from audit.services import audit_event, audit_write, diff
from kpm.importing.plan import AssessmentChange, Changes, Plan
from kpm.importing.records import KPM_FIELDS, MEMBER_FIELDS, KpmRecord, MemberRecord
from kpm.importing.sql import copy_temp
from kpm.models import Anggota, DesilHistory, DesilSource, Kpm, KpmStatus
from pendamping.models import AssessmentSource, EconomicAssessment

KPM_TABLE = Kpm._meta.db_table
ANGGOTA_TABLE = Anggota._meta.db_table
DESIL_TABLE = DesilHistory._meta.db_table
ASSESSMENT_TABLE = EconomicAssessment._meta.db_table

KPM_COLUMNS = (
    ("kpm_id", "text"),
    ("no_kk", "text"),
    ("desa_id", "text"),
    ("kecamatan_code", "text"),
    ("kabupaten_code", "text"),
    ("provinsi_code", "text"),
    ("alamat", "text"),
    ("desil", "smallint"),
    ("pkh_entry_date", "date"),
)
MEMBER_COLUMNS = (
    ("nama", "text"),
    ("jenis_kelamin", "text"),
    ("tanggal_lahir", "date"),
    ("hubungan", "text"),
    ("is_pengurus", "boolean"),
    ("hamil", "boolean"),
    ("perkiraan_lahir", "date"),
    ("jenjang_sekolah", "text"),
    ("disabilitas_berat", "boolean"),
)
ASSESSMENT_COLUMNS = (
    ("kpm_id", "bigint"),
    ("assessed_on", "date"),
    ("household_income", "bigint"),
    ("member_count", "smallint"),
    ("stable_income", "boolean"),
)
assert tuple(c for c, _ in MEMBER_COLUMNS) == MEMBER_FIELDS


def _names(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(c for c, _ in columns)


def _set_from(columns: tuple[tuple[str, str], ...], alias: str = "t") -> str:
    return ", ".join(f"{c} = {alias}.{c}" for c, _ in columns)


def apply_plan(plan: Plan, *, kpm_pks: dict[str, int], actor: Any, today: date) -> int:
    """Write `plan`; `kpm_pks` (kpm_id -> pk) gains the new KPM. Returns audit rows written."""
    events: list[AuditEvent] = []
    with connection.cursor() as cursor:
        events += _insert_kpm(cursor, plan.kpm_new, kpm_pks, actor)
        events += _update_kpm(cursor, plan.kpm_changed, actor)
        events += _clear_pengurus(cursor, plan, actor)
        events += _update_anggota(cursor, plan.anggota_changed, actor)
        events += _insert_anggota(cursor, plan.anggota_new, kpm_pks, actor)
        _insert_desil_history(cursor, plan.desil_history, kpm_pks, today)
        events += _write_assessments(cursor, plan.assessments, kpm_pks, actor)
    return audit_write(events)


def _kpm_row(record: KpmRecord) -> tuple[Any, ...]:
    """The KPM's columns, region codes copied from its desa by the model itself."""
    no_kk, desa, alamat, desil, entry = record.values
    kpm = Kpm(kpm_id=record.kpm_id, no_kk=no_kk, alamat=alamat, desil=desil)
    kpm.set_region_from_desa_code(desa)
    return (
        kpm.kpm_id, no_kk, kpm.desa_id, kpm.kecamatan_code, kpm.kabupaten_code,
        kpm.provinsi_code, alamat, desil, entry,
    )  # fmt: skip


def _insert_kpm(
    cursor: Any, records: list[KpmRecord], kpm_pks: dict[str, int], actor: Any
) -> list[AuditEvent]:
    if not records:
        return []
    copy_temp(cursor, "import_kpm_new", KPM_COLUMNS, map(_kpm_row, records))
    cursor.execute(
        f"INSERT INTO {KPM_TABLE} ({_names(KPM_COLUMNS)}, status, created_at, updated_at) "
        f"SELECT {_names(KPM_COLUMNS)}, %s, now(), now() FROM import_kpm_new "
        "RETURNING kpm_id, id",
        [KpmStatus.ACTIVE.value],
    )
    kpm_pks.update(cursor.fetchall())
    return [
        _event(actor, AuditAction.CREATE, Kpm(pk=kpm_pks[r.kpm_id], kpm_id=r.kpm_id),
               diff({}, {"kpm_id": r.kpm_id, **dict(zip(KPM_FIELDS, r.values, strict=True))}))
        for r in records
    ]  # fmt: skip


def _update_kpm(
    cursor: Any, changed: list[tuple[int, KpmRecord, Changes]], actor: Any
) -> list[AuditEvent]:
    if not changed:
        return []
    rows = ((pk, *_kpm_row(record)) for pk, record, _changes in changed)
    copy_temp(cursor, "import_kpm_changed", (("id", "bigint"), *KPM_COLUMNS), rows)
    cursor.execute(
        f"UPDATE {KPM_TABLE} k SET {_set_from(KPM_COLUMNS[1:])}, updated_at = now() "
        "FROM import_kpm_changed t WHERE k.id = t.id"
    )
    return [
        _event(actor, AuditAction.UPDATE, Kpm(pk=pk, kpm_id=record.kpm_id), _plain(changes))
        for pk, record, changes in changed
    ]


def _clear_pengurus(cursor: Any, plan: Plan, actor: Any) -> list[AuditEvent]:
    """Take the flag from pengurus who lose it before anyone gains it (one per KPM)."""
    if not plan.pengurus_cleared:
        return []
    cursor.execute(
        f"UPDATE {ANGGOTA_TABLE} SET is_pengurus = false, updated_at = now() WHERE id = ANY(%s)",
        [plan.pengurus_cleared],
    )
    return [
        _event(actor, AuditAction.UPDATE, Anggota(pk=pk, nama=nama), {"is_pengurus": [True, False]})
        for pk, nama in plan.pengurus_cleared_only
    ]


def _update_anggota(
    cursor: Any, changed: list[tuple[int, MemberRecord, Changes]], actor: Any
) -> list[AuditEvent]:
    if not changed:
        return []
    rows = ((pk, *member.values) for pk, member, _changes in changed)
    copy_temp(cursor, "import_anggota_changed", (("id", "bigint"), *MEMBER_COLUMNS), rows)
    cursor.execute(
        f"UPDATE {ANGGOTA_TABLE} a SET {_set_from(MEMBER_COLUMNS)}, updated_at = now() "
        "FROM import_anggota_changed t WHERE a.id = t.id"
    )
    return [
        _event(actor, AuditAction.UPDATE, Anggota(pk=pk, nama=member.values[0]), _plain(changes))
        for pk, member, changes in changed
    ]


def _insert_anggota(
    cursor: Any, new: list[tuple[str, MemberRecord]], kpm_pks: dict[str, int], actor: Any
) -> list[AuditEvent]:
    if not new:
        return []
    columns = (("kpm_id", "bigint"), ("nik", "text"), *MEMBER_COLUMNS)
    rows = ((kpm_pks[kpm_id], m.nik, *m.values) for kpm_id, m in new)
    copy_temp(cursor, "import_anggota_new", columns, rows)
    cursor.execute(
        f"INSERT INTO {ANGGOTA_TABLE} ({_names(columns)}, status, created_at, updated_at) "
        f"SELECT {_names(columns)}, 'aktif', now(), now() FROM import_anggota_new "
        "RETURNING nik, id"
    )
    pks = dict(cursor.fetchall())
    return [
        _event(actor, AuditAction.CREATE, Anggota(pk=pks[m.nik], nama=m.values[0]),
               diff({}, {"kpm_id": kpm_pks[kpm_id], "nik": m.nik,
                         **dict(zip(MEMBER_FIELDS, m.values, strict=True))}))
        for kpm_id, m in new
    ]  # fmt: skip


def _insert_desil_history(
    cursor: Any, entries: list[tuple[str, int]], kpm_pks: dict[str, int], today: date
) -> None:
    if not entries:
        return
    rows = ((kpm_pks[kpm_id], desil) for kpm_id, desil in entries)
    copy_temp(cursor, "import_desil", (("kpm_id", "bigint"), ("desil", "smallint")), rows)
    cursor.execute(
        f"INSERT INTO {DESIL_TABLE} (kpm_id, desil, recorded_on, source, created_at) "
        "SELECT kpm_id, desil, %s, %s, now() FROM import_desil",
        [today, DesilSource.IMPORT.value],
    )


def _write_assessments(
    cursor: Any, changes: list[AssessmentChange], kpm_pks: dict[str, int], actor: Any
) -> list[AuditEvent]:
    """Insert new import assessments and correct those of the same KPM and day."""
    new = [a for a in changes if a.pk is None]
    changed = [a for a in changes if a.pk is not None]
    events = _insert_assessments(cursor, new, kpm_pks, actor) if new else []
    if changed:
        rows = ((a.pk, *_assessment_row(a, kpm_pks)) for a in changed)
        columns = (("id", "bigint"), *ASSESSMENT_COLUMNS)
        copy_temp(cursor, "import_assessment_changed", columns, rows)
        cursor.execute(
            f"UPDATE {ASSESSMENT_TABLE} e SET {_set_from(ASSESSMENT_COLUMNS[2:])} "
            "FROM import_assessment_changed t WHERE e.id = t.id"
        )
        events += [_assessment_event(actor, AuditAction.UPDATE, a, a.pk, kpm_pks) for a in changed]
    return events


def _assessment_row(change: AssessmentChange, kpm_pks: dict[str, int]) -> tuple[Any, ...]:
    a = change.record
    return (kpm_pks[change.kpm_id], a.assessed_on, a.income, change.member_count, a.stable)


def _insert_assessments(
    cursor: Any, new: list[AssessmentChange], kpm_pks: dict[str, int], actor: Any
) -> list[AuditEvent]:
    rows = (_assessment_row(a, kpm_pks) for a in new)
    copy_temp(cursor, "import_assessment_new", ASSESSMENT_COLUMNS, rows)
    cursor.execute(
        f"INSERT INTO {ASSESSMENT_TABLE} ({_names(ASSESSMENT_COLUMNS)}, business_status, "
        "housing_condition, source, created_by_id, created_at) "
        f"SELECT {_names(ASSESSMENT_COLUMNS)}, '', '', %s, %s, now() FROM import_assessment_new "
        "RETURNING kpm_id, id",
        [AssessmentSource.IMPORT.value, getattr(actor, "pk", None)],
    )
    pks = dict(cursor.fetchall())
    return [
        _assessment_event(actor, AuditAction.CREATE, a, pks[kpm_pks[a.kpm_id]], kpm_pks)
        for a in new
    ]


def _assessment_event(
    actor: Any, action: AuditAction, change: AssessmentChange, pk: int, kpm_pks: dict[str, int]
) -> AuditEvent:
    kpm_pk = kpm_pks[change.kpm_id]
    obj = EconomicAssessment(pk=pk, kpm_id=kpm_pk, assessed_on=change.record.assessed_on)
    if action == AuditAction.UPDATE:
        return _event(actor, action, obj, _plain(change.changes))
    names = (c for c, _ in ASSESSMENT_COLUMNS)
    values = dict(zip(names, _assessment_row(change, kpm_pks), strict=True))
    return _event(actor, action, obj, diff({}, {**values, "source": AssessmentSource.IMPORT.value}))


def _plain(changes: Changes) -> Changes:
    """Before/after values in their JSON form."""
    return diff({k: v[0] for k, v in changes.items()}, {k: v[1] for k, v in changes.items()})


def _event(actor: Any, action: AuditAction, obj: Any, changes: Changes) -> AuditEvent:
    return audit_event(actor=actor, action=action, obj=obj, changes=changes)
