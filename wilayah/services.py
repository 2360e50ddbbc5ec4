"""Load the Kemendagri region codes shipped in wilayah/data/ (ODbL, see SOURCE.md there)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

DATA_DIR = Path(__file__).resolve().parent / "data"

# (csv file, table, parent column in the table, parent column in the csv), parents first.
LEVELS = [
    ("provinces.csv", "wilayah_provinsi", None, None),
    ("regencies.csv", "wilayah_kabupaten", "provinsi_id", "province_code"),
    ("districts.csv", "wilayah_kecamatan", "kabupaten_id", "regency_code"),
    ("villages.csv", "wilayah_desa", "kecamatan_id", "district_code"),
]


@dataclass(frozen=True)
class LevelResult:
    table: str
    rows: int
    written: int


def wilayah_load(*, data_dir: Path = DATA_DIR) -> list[LevelResult]:
    """Upsert every level from CSV with COPY; rows that already match are left untouched."""
    results = []
    with transaction.atomic(), connection.cursor() as cursor:
        for filename, table, parent_col, csv_parent in LEVELS:
            results.append(_load_level(cursor, data_dir / filename, table, parent_col, csv_parent))
    return results


def _load_level(cursor, path: Path, table: str, parent_col: str | None, csv_parent: str | None):
    columns = ["code", "name"] + ([parent_col] if parent_col else [])
    staging = f"staging_{table}"
    cursor.execute(
        f"CREATE TEMP TABLE {staging} (code text, name text, parent text) ON COMMIT DROP"
    )
    buffer, rows = _as_copy_text(
        path, ["code", csv_parent, "name"] if csv_parent else ["code", "name"]
    )
    copy_cols = "(code, parent, name)" if csv_parent else "(code, name)"
    cursor.copy_expert(f"COPY {staging} {copy_cols} FROM STDIN", buffer)
    select_cols = "code, name" + (", parent" if parent_col else "")
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
    distinct = " OR ".join(f"{table}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in columns[1:])
    # Table and column names come from LEVELS above, never from input.
    upsert = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select_cols} FROM {staging} "  # noqa: S608
        f"ON CONFLICT (code) DO UPDATE SET {updates} WHERE {distinct}"
    )
    cursor.execute(upsert)
    return LevelResult(table=table, rows=rows, written=cursor.rowcount)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _as_copy_text(path: Path, expected: list[str]) -> tuple[io.StringIO, int]:
    """The CSV as COPY text. Read with Python's csv module: some village names hold a `"`
    mid-field (Soka"an), which PostgreSQL's CSV mode would take for a quote."""
    out = io.StringIO()
    rows = 0
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != expected:
            raise ValueError(f"{path.name}: header {header} is not {expected}")
        for record in reader:
            if len(record) != len(expected):
                raise ValueError(f"{path.name} line {reader.line_num}: {len(record)} columns")
            out.write("\t".join(_escape(v.strip()) for v in record) + "\n")
            rows += 1
    out.seek(0)
    return out, rows
