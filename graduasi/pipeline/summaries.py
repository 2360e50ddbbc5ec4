"""Stages 2 and 3 of the nightly pipeline: each pendamping's progress toward the yearly
target, then the roll-ups per kecamatan, kabupaten, provinsi and nation. Counting is done by
grouped SQL; whether a pendamping is on track is decided by graduasi.rules.target_progress.
Both write only rows whose content changed."""

# ruff: noqa: S608  (SQL built from the constant column lists below, never from input)

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from graduasi.models import (
    CANDIDATE_STATUSES,
    COUNTED_STATUSES,
    PENDING_STATUSES,
    PROGRESS_BUCKETS,
    ProposalStatus,
)
from graduasi.pipeline.months import month_stage
from graduasi.rules import Policy, target_progress
from kpm.models import KpmStatus
from pendamping.models import AttendanceStatus, MeetingStatus


def year_bounds(on: date) -> tuple[datetime, datetime]:
    """The calendar year of `on` as aware datetimes in the project's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(date(on.year, 1, 1), time.min, tzinfo=tz)
    return start, datetime.combine(date(on.year + 1, 1, 1), time.min, tzinfo=tz)


# "Visits in the last 30 days" and "attended P2K2 in the last 90 days" end on the run's date.
VISIT_WINDOW_DAYS = 30
P2K2_WINDOW_DAYS = 90


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
        "on": on,
        "tz": settings.TIME_ZONE,
        "submitted": ProposalStatus.SUBMITTED.value,
        "graduated": KpmStatus.GRADUATED.value,
        "exited": KpmStatus.EXITED.value,
        "present": AttendanceStatus.PRESENT.value,
        "held": MeetingStatus.HELD.value,
        "visits_from": on - timedelta(days=VISIT_WINDOW_DAYS - 1),
        "p2k2_from": on - timedelta(days=P2K2_WINDOW_DAYS - 1),
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


# Kecamatan, kabupaten, provinsi, the nation and each pendamping's caseload in one pass
# (GROUPING SETS). KPM counts follow the KPM's own region (or pendamping); targets follow
# the pendamping's kabupaten, so a kecamatan has none. A pendamping's row carries their
# kabupaten's code and their credited approvals (graduasi_targetprogress).
ROLLUP_SQL = """
CREATE TEMP TABLE graduasi_summary_in ON COMMIT DROP AS
WITH prop AS (
    SELECT kpm_id,
           count(*) FILTER (WHERE status = ANY(%(pending)s)) AS pending,
           max(greatest(0, %(on)s::date - (submitted_at AT TIME ZONE %(tz)s)::date))
               FILTER (WHERE status = %(submitted)s) AS awaiting_days,
           count(*) FILTER (WHERE status = %(approved)s AND decided_at >= %(start)s
                            AND decided_at < %(end)s) AS approved,
           bool_or(status = ANY(%(counted)s)) AS proposed
    FROM graduasi_proposal GROUP BY kpm_id
), ref AS (
    SELECT kpm_id, REFERRAL_COUNTS FROM pemberdayaan_referral GROUP BY kpm_id
), p2k2_member AS (
    SELECT DISTINCT m.kpm_id FROM pendamping_p2k2group_members m
    JOIN pendamping_p2k2group g ON g.id = m.p2k2group_id WHERE g.is_active
), p2k2_attended AS (
    SELECT DISTINCT a.kpm_id FROM pendamping_p2k2attendance a
    JOIN pendamping_p2k2meeting mt ON mt.id = a.meeting_id
    WHERE a.status = %(present)s AND mt.status = %(held)s
      AND mt.scheduled_on BETWEEN %(p2k2_from)s AND %(on)s
), visits AS (
    SELECT kpm_id, count(*) AS n FROM pendamping_visit
    WHERE visited_on BETWEEN %(visits_from)s AND %(on)s GROUP BY kpm_id
), kpm AS (
    SELECT k.provinsi_code, k.kabupaten_code, k.kecamatan_code, k.pendamping_id,
           pk.kabupaten_id AS pendamping_kab,
           (k.status = %(active)s) AS active, (k.status = %(graduated)s) AS graduated,
           k.at_risk, a.status AS assessed,
           coalesce(a.yearly_benefit, 0) AS yearly_benefit, coalesce(a.per_tahap, 0) AS per_tahap,
           coalesce(p.pending, 0) AS pending, p.awaiting_days,
           coalesce(p.approved, 0) AS approved, coalesce(p.proposed, false) AS proposed,
           REFERRAL_COLUMNS,
           (pm.kpm_id IS NOT NULL) AS p2k2_member, (pa.kpm_id IS NOT NULL) AS p2k2_attended,
           coalesce(v.n, 0) AS visits
    FROM kpm_kpm k LEFT JOIN graduasi_kpmassessment a ON a.kpm_id = k.id
    LEFT JOIN pendamping_pendamping pk ON pk.id = k.pendamping_id
    LEFT JOIN prop p ON p.kpm_id = k.id
    LEFT JOIN ref r ON r.kpm_id = k.id
    LEFT JOIN p2k2_member pm ON pm.kpm_id = k.id
    LEFT JOIN p2k2_attended pa ON pa.kpm_id = k.id
    LEFT JOIN visits v ON v.kpm_id = k.id
), counts AS (
    SELECT CASE WHEN grouping(pendamping_id) = 0 THEN 'pendamping'
                WHEN grouping(kecamatan_code) = 0 THEN 'kecamatan'
                WHEN grouping(kabupaten_code) = 0 THEN 'kabupaten'
                WHEN grouping(provinsi_code) = 0 THEN 'provinsi' ELSE 'nasional' END AS level,
           CASE WHEN grouping(pendamping_id) = 0 THEN pendamping_kab
                ELSE coalesce(kecamatan_code, kabupaten_code, provinsi_code, '') END
               AS region_code,
           coalesce(pendamping_id, 0) AS pid,
           count(*) FILTER (WHERE active) AS active_kpm,
           count(*) FILTER (WHERE active AND assessed = 'alamiah') AS alamiah,
           count(*) FILTER (WHERE active AND assessed = 'sejahtera') AS sejahtera,
           count(*) FILTER (WHERE active AND assessed = 'tinjau') AS tinjau,
           count(*) FILTER (WHERE active AND assessed = 'belum') AS belum,
           count(*) FILTER (WHERE active AND assessed = 'alamiah' AND NOT proposed)
               AS candidates_alamiah,
           count(*) FILTER (WHERE active AND assessed = 'sejahtera' AND NOT proposed)
               AS candidates_sejahtera,
           sum(pending) AS pending, count(awaiting_days) AS awaiting,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY awaiting_days) AS awaiting_median_days,
           max(awaiting_days) AS awaiting_oldest_days,
           sum(approved) AS approved,
           count(*) FILTER (WHERE graduated) AS graduated,
           count(*) FILTER (WHERE graduated AND at_risk) AS at_risk,
           REFERRAL_SUMS,
           count(*) FILTER (WHERE active AND p2k2_member) AS p2k2_members,
           count(*) FILTER (WHERE active AND p2k2_attended) AS p2k2_attended,
           sum(visits) AS visits_30d,
           count(*) FILTER (WHERE active AND visits > 0) AS kpm_visited_30d,
           sum(yearly_benefit) FILTER (WHERE active) AS yearly_benefit,
           sum(per_tahap) FILTER (WHERE active) AS tahap_benefit
    FROM kpm
    GROUP BY GROUPING SETS ((provinsi_code), (provinsi_code, kabupaten_code),
                            (provinsi_code, kabupaten_code, kecamatan_code), (),
                            (pendamping_kab, pendamping_id))
    HAVING grouping(pendamping_id) = 1 OR pendamping_id IS NOT NULL
), staff AS (
    SELECT CASE WHEN grouping(pid) = 0 THEN 'pendamping'
                WHEN grouping(kab) = 0 THEN 'kabupaten'
                WHEN grouping(prov) = 0 THEN 'provinsi' ELSE 'nasional' END AS level,
           coalesce(kab, prov, '') AS region_code, coalesce(pid, 0) AS pid,
           count(*) AS pendamping_count, count(*) FILTER (WHERE on_track) AS on_track,
           sum(target) AS target, sum(approved) AS approved, BUCKET_COUNTS AS histogram
    FROM (SELECT left(p.kabupaten_id, 2) AS prov, p.kabupaten_id AS kab, p.id AS pid,
                 t.on_track, t.target, t.approved
          FROM graduasi_targetprogress t JOIN pendamping_pendamping p ON p.id = t.pendamping_id
          WHERE t.year = %(year)s AND p.is_active) s
    GROUP BY GROUPING SETS ((prov), (prov, kab), (), (prov, kab, pid))
), kec AS (
    SELECT pendamping_id AS pid, array_agg(DISTINCT kecamatan_code ORDER BY kecamatan_code)
               AS codes
    FROM kpm_kpm WHERE status = %(active)s AND pendamping_id IS NOT NULL GROUP BY pendamping_id
)
SELECT coalesce(c.level, s.level) AS level, coalesce(c.region_code, s.region_code) AS region_code,
       nullif(coalesce(c.pid, s.pid), 0) AS pendamping_id,
       COUNT_COLUMNS,
       c.awaiting_median_days, c.awaiting_oldest_days,
       CASE WHEN coalesce(c.level, s.level) = 'pendamping' THEN coalesce(s.approved, 0)
            ELSE coalesce(c.approved, 0) END AS approved,
       CASE WHEN coalesce(c.level, s.level) = 'kecamatan' THEN NULL
            ELSE coalesce(s.pendamping_count, 0) END AS pendamping_count,
       CASE WHEN coalesce(c.level, s.level) = 'kecamatan' THEN NULL
            ELSE coalesce(s.on_track, 0) END AS pendamping_on_track,
       CASE WHEN coalesce(c.level, s.level) = 'kecamatan' THEN NULL
            ELSE coalesce(s.target, 0) END AS target,
       CASE WHEN coalesce(c.level, s.level) IN ('kecamatan', 'pendamping') THEN NULL
            ELSE coalesce(s.histogram, EMPTY_BUCKETS) END AS progress_histogram,
       coalesce(k.codes, '{}') AS kecamatan_codes
FROM counts c
FULL JOIN staff s ON s.level = c.level AND s.region_code = c.region_code AND s.pid = c.pid
LEFT JOIN kec k ON k.pid = coalesce(c.pid, s.pid)
    AND coalesce(c.level, s.level) = 'pendamping'
"""

REFERRAL_STATUSES = ("dirujuk", "diterima", "berjalan", "ditolak", "selesai")
# Summed counts that are 0 where a region or pendamping has no KPM.
COUNT_FIELDS = (
    "active_kpm", "alamiah", "sejahtera", "tinjau", "belum", "candidates_alamiah",
    "candidates_sejahtera", "pending", "awaiting", "graduated", "at_risk",
    *(f"referrals_{s}" for s in REFERRAL_STATUSES),
    "p2k2_members", "p2k2_attended", "visits_30d", "kpm_visited_30d", "yearly_benefit",
    "tahap_benefit",
)  # fmt: skip
_BUCKETS = ", ".join(
    f"count(*) FILTER (WHERE least(approved, {PROGRESS_BUCKETS - 1}) = {b})"
    for b in range(PROGRESS_BUCKETS)
)
ROLLUP_SQL = (
    ROLLUP_SQL.replace(
        "REFERRAL_COUNTS",
        ", ".join(f"count(*) FILTER (WHERE status = '{s}') AS r_{s}" for s in REFERRAL_STATUSES),
    )
    .replace(
        "REFERRAL_COLUMNS",
        ", ".join(f"coalesce(r.r_{s}, 0) AS r_{s}" for s in REFERRAL_STATUSES),
    )
    .replace("REFERRAL_SUMS", ", ".join(f"sum(r_{s}) AS referrals_{s}" for s in REFERRAL_STATUSES))
    .replace("BUCKET_COUNTS", f"ARRAY[{_BUCKETS}]")
    .replace("EMPTY_BUCKETS", f"ARRAY[{', '.join(['0'] * PROGRESS_BUCKETS)}]::bigint[]")
    .replace(
        "COUNT_COLUMNS",
        ",\n       ".join(f"coalesce(c.{f}, 0) AS {f}" for f in COUNT_FIELDS)
        + ",\n       coalesce(c.candidates_alamiah + c.candidates_sejahtera, 0) AS candidates",
    )
)

SUMMARY_COLUMNS = (
    *COUNT_FIELDS, "candidates", "approved", "awaiting_median_days", "awaiting_oldest_days",
    "pendamping_count", "pendamping_on_track", "target", "progress_histogram", "kecamatan_codes",
)  # fmt: skip

SUMMARY_UPSERT_SQL = f"""
INSERT INTO graduasi_regionsummary AS t
    (level, region_code, pendamping_id, year, {", ".join(SUMMARY_COLUMNS)}, updated_at)
SELECT level, region_code, pendamping_id, %(year)s, {", ".join(SUMMARY_COLUMNS)}, now()
FROM graduasi_summary_in
ON CONFLICT (level, region_code, pendamping_id, year) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in SUMMARY_COLUMNS)}, updated_at = EXCLUDED.updated_at
WHERE ({", ".join(f"t.{c}" for c in SUMMARY_COLUMNS)})
    IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in SUMMARY_COLUMNS)})
"""

SUMMARY_PRUNE_SQL = """
DELETE FROM graduasi_regionsummary t WHERE t.year = %(year)s AND NOT EXISTS (
    SELECT 1 FROM graduasi_summary_in s
    WHERE s.level = t.level AND s.region_code = t.region_code
      AND s.pendamping_id IS NOT DISTINCT FROM t.pendamping_id)
"""


def rollup_stage(*, on: date) -> int:
    """Write the year-to-date summary of every region with KPM and of every pendamping, and
    their months (graduasi.pipeline.months); the number of rows changed."""
    params = _params(on)
    with transaction.atomic(), connection.cursor() as cursor:
        # ON COMMIT DROP waits for the outermost commit: inside a caller's transaction (a test,
        # an atomic block around the command) the previous run's table is still there.
        cursor.execute("DROP TABLE IF EXISTS graduasi_summary_in")
        cursor.execute(ROLLUP_SQL, params)
        cursor.execute(SUMMARY_UPSERT_SQL, params)
        changed = cursor.rowcount
        cursor.execute(SUMMARY_PRUNE_SQL, params)
        changed += cursor.rowcount
        return changed + month_stage(cursor, params)
