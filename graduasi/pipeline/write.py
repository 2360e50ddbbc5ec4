"""Writes of the assessment stage: one COPY and one upsert per batch, touching only the rows
whose content changed, so a rerun over unchanged facts writes nothing."""

# ruff: noqa: S608  (SQL built from the constant column lists below, never from input)

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

import orjson
from django.db import connection, transaction

from graduasi.rules import Assessment, Reason
from kpm.models import KpmStatus

STAGING = "graduasi_assessment_in"
COLUMNS = (
    "kpm_id",
    "status",
    "reasons",
    "component_count",
    "yearly_benefit",
    "per_tahap",
    "projected_graduation",
)
# The content of an assessment: what a change is judged on. status_since, run and updated_at
# only say when, so they never make a row count as changed.
CONTENT = COLUMNS[1:]

UPSERT_SQL = f"""
INSERT INTO graduasi_kpmassessment AS t
    ({", ".join(COLUMNS)}, status_since, run_id, updated_at)
SELECT {", ".join(COLUMNS)}, %(on)s, %(run)s, now() FROM {STAGING}
ON CONFLICT (kpm_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in CONTENT)},
    status_since = CASE WHEN t.status = EXCLUDED.status THEN t.status_since
                        ELSE EXCLUDED.status_since END,
    run_id = EXCLUDED.run_id,
    updated_at = EXCLUDED.updated_at
WHERE ({", ".join(f"t.{c}" for c in CONTENT)})
    IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in CONTENT)})
"""


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(type(value).__name__)


def reasons_json(reasons: Iterable[Reason]) -> str:
    """The same JSON as Reason.as_json gives, made by orjson directly (dates as ISO text,
    codes as their values, decimals as text): per KPM, this is most of the writing."""
    rows = [
        {"code": r.code, "holds": r.holds, "status": r.status, "values": r.values} for r in reasons
    ]
    return orjson.dumps(rows, default=_plain).decode()


def _copy_text(rows: Iterable[Assessment]) -> str:
    """The rows as COPY text. Reason values are numbers, dates and codes: JSON of them holds
    no tab, newline or backslash, so it needs no escaping."""
    lines = []
    for a in rows:
        reasons = reasons_json(a.reasons)
        projected = a.projected_graduation.isoformat() if a.projected_graduation else r"\N"
        lines.append(
            f"{a.kpm_id}\t{a.status.value}\t{reasons}\t{len(a.benefit.components)}\t"
            f"{a.benefit.yearly}\t{a.benefit.per_tahap}\t{projected}\n"
        )
    return "".join(lines)


def assessment_write(results: list[Assessment], *, on: date, run_id: int | None) -> int:
    """Store the assessments; the number of rows inserted or changed."""
    if not results:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (kpm_id integer, status varchar(10),"
            " reasons jsonb, component_count smallint, yearly_benefit integer,"
            " per_tahap integer, projected_graduation date) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {STAGING}")  # inside a caller's transaction rows linger
        cursor.copy_expert(
            f"COPY {STAGING} ({', '.join(COLUMNS)}) FROM STDIN", io.StringIO(_copy_text(results))
        )
        cursor.execute(UPSERT_SQL, {"on": on, "run": run_id})
        return cursor.rowcount


def assessment_prune() -> int:
    """Remove the assessments of KPM that are no longer active (graduated, exited)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM graduasi_kpmassessment a USING kpm_kpm k"
            " WHERE a.kpm_id = k.id AND k.status <> %s",
            [KpmStatus.ACTIVE.value],
        )
        return cursor.rowcount
