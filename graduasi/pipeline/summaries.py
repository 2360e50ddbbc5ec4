"""Stages 2 and 3 of the nightly pipeline: each pendamping's progress toward the yearly
target, then the roll-ups per kecamatan, kabupaten, provinsi and nation. Counting is done by
grouped SQL; whether a pendamping is on track is decided by graduasi.rules.target_progress.
Both write only rows whose content changed."""

# ruff: noqa: S608  (SQL built from the constant column lists below, never from input)

from __future__ import annotations

import io
from datetime import date, datetime, time

from django.db import connection, transaction
from django.utils import timezone

from graduasi.models import (
    CANDIDATE_STATUSES,
    COUNTED_STATUSES,
    PENDING_STATUSES,
    ProposalStatus,
)
from graduasi.rules import Policy, target_progress
from kpm.models import KpmStatus


def year_bounds(on: date) -> tuple[datetime, datetime]:
    """The calendar year of `on` as aware datetimes in the project's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(date(on.year, 1, 1), time.min, tzinfo=tz)
    return start, datetime.combine(date(on.year + 1, 1, 1), time.min, tzinfo=tz)


def _params(on: date) -> dict:
    start, end = year_bounds(on)
    return {
        "active": KpmStatus.ACTIVE.value,
        "approved": ProposalStatus.APPROVED.value,
        "pending": [s.value for s in PENDING_STATUSES],
        "counted": [s.value for s in COUNTED_STATUSES],
        "candidate": [s.value for s in CANDIDATE_STATUSES],
        "start": start,
        "end": end,
        "year": on.year,
    }


TARGET_COUNTS_SQL = """
WITH approved AS (
    SELECT pendamping_id, count(*) AS n FROM graduasi_proposal
    WHERE status = %(approved)s AND decided_at >= %(start)s AND decided_at < %(end)s
    GROUP BY pendamping_id
), pending AS (
    SELECT pendamping_id, count(*) AS n FROM graduasi_proposal
    WHERE status = ANY(%(pending)s) GROUP BY pendamping_id
), proposed AS (
    SELECT DISTINCT kpm_id FROM graduasi_proposal WHERE status = ANY(%(counted)s)
), caseload AS (
    SELECT k.pendamping_id, count(*) AS active,
           count(*) FILTER (WHERE a.status = ANY(%(candidate)s) AND pr.kpm_id IS NULL)
               AS candidates
    FROM kpm_kpm k LEFT JOIN graduasi_kpmassessment a ON a.kpm_id = k.id
    LEFT JOIN proposed pr ON pr.kpm_id = k.id
    WHERE k.status = %(active)s AND k.pendamping_id IS NOT NULL
    GROUP BY k.pendamping_id
)
SELECT p.id, coalesce(ap.n, 0), coalesce(pe.n, 0), coalesce(c.candidates, 0),
       coalesce(c.active, 0)
FROM pendamping_pendamping p
LEFT JOIN approved ap ON ap.pendamping_id = p.id
LEFT JOIN pending pe ON pe.pendamping_id = p.id
LEFT JOIN caseload c ON c.pendamping_id = p.id
WHERE p.is_active OR ap.n IS NOT NULL
"""

TARGET_UPSERT_SQL = """
INSERT INTO graduasi_targetprogress AS t
    (pendamping_id, year, target, approved, pending, candidates, active_kpm, on_track, updated_at)
SELECT pendamping_id, %(year)s, target, approved, pending, candidates, active_kpm, on_track, now()
FROM graduasi_target_in
ON CONFLICT (pendamping_id, year) DO UPDATE SET
    target = EXCLUDED.target, approved = EXCLUDED.approved, pending = EXCLUDED.pending,
    candidates = EXCLUDED.candidates, active_kpm = EXCLUDED.active_kpm,
    on_track = EXCLUDED.on_track, updated_at = EXCLUDED.updated_at
WHERE (t.target, t.approved, t.pending, t.candidates, t.active_kpm, t.on_track)
    IS DISTINCT FROM (EXCLUDED.target, EXCLUDED.approved, EXCLUDED.pending,
                      EXCLUDED.candidates, EXCLUDED.active_kpm, EXCLUDED.on_track)
"""


def target_stage(*, on: date, policy: Policy) -> int:
    """Write every pendamping's progress for `on`'s year; the number of rows changed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(TARGET_COUNTS_SQL, _params(on))
        lines = []
        for pendamping_id, approved, pending, candidates, active in cursor.fetchall():
            progress = target_progress(approved=approved, on=on, policy=policy)
            on_track = "t" if progress.on_track else "f"
            lines.append(
                f"{pendamping_id}\t{progress.target}\t{approved}\t{pending}\t{candidates}\t"
                f"{active}\t{on_track}\n"
            )
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS graduasi_target_in (pendamping_id integer,"
            " target integer, approved integer, pending integer, candidates integer,"
            " active_kpm integer, on_track boolean) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE graduasi_target_in")
        cursor.copy_expert("COPY graduasi_target_in FROM STDIN", io.StringIO("".join(lines)))
        cursor.execute(TARGET_UPSERT_SQL, {"year": on.year})
        return cursor.rowcount


# Kecamatan, kabupaten, provinsi and the nation in one pass (GROUPING SETS). KPM counts follow
# the KPM's own region; targets follow the pendamping's kabupaten, so a kecamatan has none.
ROLLUP_SQL = """
CREATE TEMP TABLE graduasi_summary_in ON COMMIT DROP AS
WITH prop AS (
    SELECT kpm_id,
           count(*) FILTER (WHERE status = ANY(%(pending)s)) AS pending,
           count(*) FILTER (WHERE status = %(approved)s AND decided_at >= %(start)s
                            AND decided_at < %(end)s) AS approved,
           bool_or(status = ANY(%(counted)s)) AS proposed
    FROM graduasi_proposal GROUP BY kpm_id
), kpm AS (
    SELECT k.provinsi_code, k.kabupaten_code, k.kecamatan_code,
           (k.status = %(active)s) AS active, a.status AS assessed,
           coalesce(a.yearly_benefit, 0) AS yearly_benefit,
           coalesce(p.pending, 0) AS pending, coalesce(p.approved, 0) AS approved,
           coalesce(p.proposed, false) AS proposed
    FROM kpm_kpm k LEFT JOIN graduasi_kpmassessment a ON a.kpm_id = k.id
    LEFT JOIN prop p ON p.kpm_id = k.id
), counts AS (
    SELECT CASE WHEN grouping(kecamatan_code) = 0 THEN 'kecamatan'
                WHEN grouping(kabupaten_code) = 0 THEN 'kabupaten'
                WHEN grouping(provinsi_code) = 0 THEN 'provinsi' ELSE 'nasional' END AS level,
           coalesce(kecamatan_code, kabupaten_code, provinsi_code, '') AS region_code,
           count(*) FILTER (WHERE active) AS active_kpm,
           count(*) FILTER (WHERE active AND assessed = 'alamiah') AS alamiah,
           count(*) FILTER (WHERE active AND assessed = 'sejahtera') AS sejahtera,
           count(*) FILTER (WHERE active AND assessed = 'tinjau') AS tinjau,
           count(*) FILTER (WHERE active AND assessed = 'belum') AS belum,
           count(*) FILTER (WHERE active AND assessed = ANY(%(candidate)s) AND NOT proposed)
               AS candidates,
           sum(pending) AS pending, sum(approved) AS approved,
           sum(yearly_benefit) FILTER (WHERE active) AS yearly_benefit
    FROM kpm
    GROUP BY GROUPING SETS ((provinsi_code), (provinsi_code, kabupaten_code),
                            (provinsi_code, kabupaten_code, kecamatan_code), ())
), staff AS (
    SELECT CASE WHEN grouping(kab) = 0 THEN 'kabupaten'
                WHEN grouping(prov) = 0 THEN 'provinsi' ELSE 'nasional' END AS level,
           coalesce(kab, prov, '') AS region_code,
           count(*) AS pendamping_count, count(*) FILTER (WHERE on_track) AS on_track,
           sum(target) AS target
    FROM (SELECT left(p.kabupaten_id, 2) AS prov, p.kabupaten_id AS kab, t.on_track, t.target
          FROM graduasi_targetprogress t JOIN pendamping_pendamping p ON p.id = t.pendamping_id
          WHERE t.year = %(year)s AND p.is_active) s
    GROUP BY GROUPING SETS ((prov), (prov, kab), ())
)
SELECT c.level, c.region_code, c.active_kpm, c.alamiah, c.sejahtera, c.tinjau, c.belum,
       c.candidates, c.pending, c.approved, coalesce(c.yearly_benefit, 0) AS yearly_benefit,
       CASE WHEN c.level = 'kecamatan' THEN NULL ELSE coalesce(s.pendamping_count, 0) END
           AS pendamping_count,
       CASE WHEN c.level = 'kecamatan' THEN NULL ELSE coalesce(s.on_track, 0) END
           AS pendamping_on_track,
       CASE WHEN c.level = 'kecamatan' THEN NULL ELSE coalesce(s.target, 0) END AS target
FROM counts c LEFT JOIN staff s ON s.level = c.level AND s.region_code = c.region_code
"""

SUMMARY_COLUMNS = (
    "active_kpm", "alamiah", "sejahtera", "tinjau", "belum", "candidates", "pending",
    "approved", "yearly_benefit", "pendamping_count", "pendamping_on_track", "target",
)  # fmt: skip

SUMMARY_UPSERT_SQL = f"""
INSERT INTO graduasi_regionsummary AS t
    (level, region_code, year, {", ".join(SUMMARY_COLUMNS)}, updated_at)
SELECT level, region_code, %(year)s, {", ".join(SUMMARY_COLUMNS)}, now() FROM graduasi_summary_in
ON CONFLICT (level, region_code, year) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in SUMMARY_COLUMNS)}, updated_at = EXCLUDED.updated_at
WHERE ({", ".join(f"t.{c}" for c in SUMMARY_COLUMNS)})
    IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in SUMMARY_COLUMNS)})
"""

SUMMARY_PRUNE_SQL = """
DELETE FROM graduasi_regionsummary t WHERE t.year = %(year)s AND NOT EXISTS (
    SELECT 1 FROM graduasi_summary_in s
    WHERE s.level = t.level AND s.region_code = t.region_code)
"""


def rollup_stage(*, on: date) -> int:
    """Write the year-to-date summary of every region with KPM; the number of rows changed."""
    params = _params(on)
    with transaction.atomic(), connection.cursor() as cursor:
        # ON COMMIT DROP waits for the outermost commit: inside a caller's transaction (a test,
        # an atomic block around the command) the previous run's table is still there.
        cursor.execute("DROP TABLE IF EXISTS graduasi_summary_in")
        cursor.execute(ROLLUP_SQL, params)
        cursor.execute(SUMMARY_UPSERT_SQL, params)
        changed = cursor.rowcount
        cursor.execute(SUMMARY_PRUNE_SQL, params)
        return changed + cursor.rowcount
