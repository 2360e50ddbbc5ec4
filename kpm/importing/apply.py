"""Write one chunk's plan: COPY into temporary tables, then INSERT/UPDATE from them, with an
audit row for every KPM, anggota and assessment created or changed. Call inside the import's
transaction."""

# Statements are built only from this module's table and column constants; every value goes
# through COPY or a query parameter.
# ruff: noqa: S608

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from django.db import connection

from audit.models import AuditAction
from kpm.importing.audit_rows import AuditBatch, created
from kpm.importing.plan import AssessmentChange, Changes, Plan
from kpm.importing.records import KPM_FIELDS, MEMBER_FIELDS, KpmRecord, MemberRecord
from kpm.importing.sql import copy_into, copy_temp
from kpm.models import Anggota, DesilHistory, DesilSource, Kpm, MemberStatus
from pendamping.models import AssessmentSource, EconomicAssessment

KPM_TABLE = Kpm._meta.db_table
ANGGOTA_TABLE = Anggota._meta.db_table
DESIL_TABLE = DesilHistory._meta.db_table
ASSESSMENT_TABLE = EconomicAssessment._meta.db_table
CREATE, UPDATE = AuditAction.CREATE, AuditAction.UPDATE

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
ASSESSMENT_FIELDS = tuple(c for c, _ in ASSESSMENT_COLUMNS)
assert tuple(c for c, _ in MEMBER_COLUMNS) == MEMBER_FIELDS


STAMPED = ("status", "created_at", "updated_at")


def _names(columns: tuple[tuple[str, str], ...]) -> list[str]:
    return [c for c, _ in columns]


def _set_from(columns: tuple[tuple[str, str], ...], alias: str = "t") -> str:
    return ", ".join(f"{c} = {alias}.{c}" for c, _ in columns)


def apply_plan(plan: Plan, *, kpm_pks: dict[str, int], actor: Any, today: date) -> int:
    """Write `plan`; `kpm_pks` (kpm_id -> pk) gains the new KPM. Returns audit rows written."""
    audit = AuditBatch(actor)
    with connection.cursor() as cursor:
        _insert_kpm(cursor, plan.kpm_new, kpm_pks, audit)
        _update_kpm(cursor, plan.kpm_changed, audit)
        _clear_pengurus(cursor, plan, audit)
        _update_anggota(cursor, plan.anggota_changed, audit)
        _insert_anggota(cursor, plan.anggota_new, kpm_pks, audit)
        _insert_desil_history(cursor, plan.desil_history, kpm_pks, today)
        _write_assessments(cursor, plan.assessments, kpm_pks, audit)
        return audit.write(cursor)


@lru_cache(maxsize=100_000)
def _region(desa_code: str) -> tuple[str, str, str, str]:
    """A desa's own code and its kecamatan, kabupaten and provinsi, as the model copies them."""
    kpm = Kpm()
    kpm.set_region_from_desa_code(desa_code)
    return (kpm.desa_id, kpm.kecamatan_code, kpm.kabupaten_code, kpm.provinsi_code)


def _kpm_row(record: KpmRecord) -> tuple[Any, ...]:
    """The KPM's columns in KPM_COLUMNS order."""
    no_kk, desa, alamat, desil, entry = record.values
    return (record.kpm_id, no_kk, *_region(desa), alamat, desil, entry)


def _insert_kpm(
    cursor: Any, records: list[KpmRecord], kpm_pks: dict[str, int], audit: AuditBatch
) -> None:
    """COPY new KPM straight into their table, each with the status the file gives it (active
    or waiting), then read back their ids."""
    if not records:
        return
    stamps = (audit.now, audit.now)
    columns = [*_names(KPM_COLUMNS), *STAMPED]
    rows = ((*_kpm_row(r), r.status) for r in records)
    copy_into(cursor, KPM_TABLE, columns, rows, constants=stamps)
    cursor.execute(
        f"SELECT kpm_id, id FROM {KPM_TABLE} WHERE kpm_id = ANY(%s)", [[r.kpm_id for r in records]]
    )
    kpm_pks.update(cursor.fetchall())
    for r in records:
        changes = created(KPM_FIELDS, r.values, kpm_id=r.kpm_id, status=r.status)
        audit.add(CREATE, Kpm, kpm_pks[r.kpm_id], r.kpm_id, changes)


def _update_kpm(
    cursor: Any, changed: list[tuple[int, KpmRecord, Changes]], audit: AuditBatch
) -> None:
    if not changed:
        return
    rows = ((pk, *_kpm_row(record)) for pk, record, _changes in changed)
    copy_temp(cursor, "import_kpm_changed", (("id", "bigint"), *KPM_COLUMNS), rows)
    cursor.execute(
        f"UPDATE {KPM_TABLE} k SET {_set_from(KPM_COLUMNS[1:])}, updated_at = now() "
        "FROM import_kpm_changed t WHERE k.id = t.id"
    )
    for pk, record, changes in changed:
        audit.add(UPDATE, Kpm, pk, record.kpm_id, changes)


def _clear_pengurus(cursor: Any, plan: Plan, audit: AuditBatch) -> None:
    """Take the flag from pengurus who lose it before anyone gains it (one per KPM)."""
    if not plan.pengurus_cleared:
        return
    cursor.execute(
        f"UPDATE {ANGGOTA_TABLE} SET is_pengurus = false, updated_at = now() WHERE id = ANY(%s)",
        [plan.pengurus_cleared],
    )
    for pk, nama in plan.pengurus_cleared_only:
        audit.add(UPDATE, Anggota, pk, nama, {"is_pengurus": [True, False]})


def _update_anggota(
    cursor: Any, changed: list[tuple[int, MemberRecord, Changes]], audit: AuditBatch
) -> None:
    if not changed:
        return
    rows = ((pk, *member.values) for pk, member, _changes in changed)
    copy_temp(cursor, "import_anggota_changed", (("id", "bigint"), *MEMBER_COLUMNS), rows)
    cursor.execute(
        f"UPDATE {ANGGOTA_TABLE} a SET {_set_from(MEMBER_COLUMNS)}, updated_at = now() "
        "FROM import_anggota_changed t WHERE a.id = t.id"
    )
    for pk, member, changes in changed:
        audit.add(UPDATE, Anggota, pk, member.values[0], changes)


def _insert_anggota(
    cursor: Any, new: list[tuple[str, MemberRecord]], kpm_pks: dict[str, int], audit: AuditBatch
) -> None:
    """COPY new members straight into their table, then read back their ids."""
    if not new:
        return
    columns = ("kpm_id", "nik", *MEMBER_FIELDS, *STAMPED)
    stamps = (MemberStatus.ACTIVE.value, audit.now, audit.now)
    rows = ((kpm_pks[kpm_id], m.nik, *m.values) for kpm_id, m in new)
    copy_into(cursor, ANGGOTA_TABLE, columns, rows, constants=stamps)
    cursor.execute(
        f"SELECT nik, id FROM {ANGGOTA_TABLE} WHERE nik = ANY(%s)", [[m.nik for _k, m in new]]
    )
    pks = dict(cursor.fetchall())
    for kpm_id, m in new:
        changes = created(MEMBER_FIELDS, m.values, kpm_id=kpm_pks[kpm_id], nik=m.nik)
        audit.add(CREATE, Anggota, pks[m.nik], m.values[0], changes)


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


def _assessment_row(change: AssessmentChange, kpm_pks: dict[str, int]) -> tuple[Any, ...]:
    a = change.record
    return (kpm_pks[change.kpm_id], a.assessed_on, a.income, change.member_count, a.stable)


def _write_assessments(
    cursor: Any, changes: list[AssessmentChange], kpm_pks: dict[str, int], audit: AuditBatch
) -> None:
    """Insert new import assessments and correct those of the same KPM and day."""
    new = [a for a in changes if a.pk is None]
    if new:
        _insert_assessments(cursor, new, kpm_pks, audit)
    changed = [a for a in changes if a.pk is not None]
    if not changed:
        return
    rows = ((a.pk, *_assessment_row(a, kpm_pks)) for a in changed)
    copy_temp(cursor, "import_assessment_changed", (("id", "bigint"), *ASSESSMENT_COLUMNS), rows)
    cursor.execute(
        f"UPDATE {ASSESSMENT_TABLE} e SET {_set_from(ASSESSMENT_COLUMNS[2:])} "
        "FROM import_assessment_changed t WHERE e.id = t.id"
    )
    for a in changed:
        assert a.pk is not None
        label = f"{kpm_pks[a.kpm_id]} {a.record.assessed_on}"
        audit.add(UPDATE, EconomicAssessment, a.pk, label, a.changes)


def _insert_assessments(
    cursor: Any, new: list[AssessmentChange], kpm_pks: dict[str, int], audit: AuditBatch
) -> None:
    copy_temp(
        cursor,
        "import_assessment_new",
        ASSESSMENT_COLUMNS,
        (_assessment_row(a, kpm_pks) for a in new),
    )
    source = AssessmentSource.IMPORT.value
    cursor.execute(
        f"INSERT INTO {ASSESSMENT_TABLE} ({', '.join(ASSESSMENT_FIELDS)}, business_status, "
        "housing_condition, source, created_by_id, created_at) "
        f"SELECT {', '.join(ASSESSMENT_FIELDS)}, '', '', %s, %s, now() FROM import_assessment_new "
        "RETURNING kpm_id, id",
        [source, getattr(actor_of(audit), "pk", None)],
    )
    pks = dict(cursor.fetchall())
    for a in new:
        row = _assessment_row(a, kpm_pks)
        changes = created(ASSESSMENT_FIELDS, row, source=source)
        audit.add(CREATE, EconomicAssessment, pks[row[0]], f"{row[0]} {row[1]}", changes)


def actor_of(audit: AuditBatch) -> Any:
    """The authenticated user behind an import, or None for the system."""
    return audit.actor if getattr(audit.actor, "is_authenticated", False) else None
