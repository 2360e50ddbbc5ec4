"""Read what the database already holds about the KPM and NIK of a file: a few set queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection

from kpm.importing.parse import Table
from kpm.validators import kecamatan_prefixes

# Column order of the rows loaded below; the plan compares them with the file's values.
EXISTING_KPM_SQL = """
    SELECT kpm_id, id, no_kk, desa_id, alamat, desil, pkh_entry_date, kabupaten_code
    FROM kpm_kpm WHERE kpm_id = ANY(%s)
"""
EXISTING_ANGGOTA_SQL = """
    SELECT a.nik, a.id, a.kpm_id, k.kpm_id, k.kabupaten_code, a.nama, a.jenis_kelamin,
           a.tanggal_lahir, a.hubungan, a.is_pengurus, a.hamil, a.perkiraan_lahir,
           a.jenjang_sekolah, a.disabilitas_berat
    FROM kpm_anggota a JOIN kpm_kpm k ON k.id = a.kpm_id WHERE a.nik = ANY(%s)
"""
CURRENT_PENGURUS_SQL = """
    SELECT kpm_id, id, nik, nama FROM kpm_anggota WHERE is_pengurus AND kpm_id = ANY(%s)
"""
IMPORT_ASSESSMENTS_SQL = """
    SELECT kpm_id, assessed_on, id, household_income, member_count, stable_income
    FROM pendamping_economicassessment WHERE source = 'import' AND kpm_id = ANY(%s)
"""
KNOWN_DESA_SQL = "SELECT code FROM wilayah_desa WHERE code = ANY(%s)"


@dataclass
class ExistingKpm:
    pk: int
    values: tuple[Any, ...]  # in records.KPM_FIELDS order
    kabupaten_code: str


@dataclass
class ExistingAnggota:
    pk: int
    kpm_pk: int
    kpm_id: str
    kabupaten_code: str
    values: tuple[Any, ...]  # in records.MEMBER_FIELDS order


@dataclass
class Existing:
    """The database's side of an import, keyed the way the file is."""

    kpm: dict[str, ExistingKpm] = field(default_factory=dict)
    anggota: dict[str, ExistingAnggota] = field(default_factory=dict)
    pengurus: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)
    assessments: dict[tuple[int, date], tuple[int, int, int, bool]] = field(default_factory=dict)
    known_desa: set[str] = field(default_factory=set)
    known_kecamatan: frozenset[str] = frozenset()


def load_existing(table: Table) -> Existing:
    """Existing KPM by kpm_id, anggota by NIK, their pengurus and import assessments."""
    existing = Existing(known_kecamatan=kecamatan_prefixes())
    with connection.cursor() as cursor:
        cursor.execute(KNOWN_DESA_SQL, [_distinct(table, "kode_desa")])
        existing.known_desa = {code for (code,) in cursor.fetchall()}
        cursor.execute(EXISTING_KPM_SQL, [_distinct(table, "kpm_id")])
        for kpm_id, pk, *values, kabupaten in cursor.fetchall():
            existing.kpm[kpm_id] = ExistingKpm(pk, tuple(values), kabupaten)
        cursor.execute(EXISTING_ANGGOTA_SQL, [_distinct(table, "nik")])
        for nik, pk, kpm_pk, kpm_id, kabupaten, *values in cursor.fetchall():
            existing.anggota[nik] = ExistingAnggota(pk, kpm_pk, kpm_id, kabupaten, tuple(values))
        _load_kpm_details(cursor, existing)
    return existing


def _load_kpm_details(cursor: Any, existing: Existing) -> None:
    """Current pengurus and import assessments of the KPM already in the database."""
    kpm_pks = [k.pk for k in existing.kpm.values()]
    cursor.execute(CURRENT_PENGURUS_SQL, [kpm_pks])
    for kpm_pk, pk, nik, nama in cursor.fetchall():
        existing.pengurus.setdefault(kpm_pk, []).append((pk, nik, nama))
    cursor.execute(IMPORT_ASSESSMENTS_SQL, [kpm_pks])
    for kpm_pk, assessed_on, pk, income, members, stable in cursor.fetchall():
        existing.assessments[(kpm_pk, assessed_on)] = (pk, income, members, stable)


def _distinct(table: Table, column: str) -> list[str]:
    """Every distinct non-empty value of one column."""
    index = table.columns[column]
    return list({cells[index].strip() for _line, cells in table.rows if index < len(cells)} - {""})
