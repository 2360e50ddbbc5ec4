"""Part of the roll-up stage: each region's and each pendamping's months of the year. The
graduations approved and the exits recorded in every month are recounted every night, so a
month is right even before the first run; the state of the run's own month (active KPM,
benefit per tahap) is copied from the summary just written and stays as it was once the
month is over. Runs inside rollup_stage's transaction, after graduasi_summary_in exists."""

# ruff: noqa: S608  (SQL built from the constant column lists below, never from input)

from __future__ import annotations

from typing import Any

from django.db.backends.utils import CursorWrapper

MONTH_SQL = """
CREATE TEMP TABLE graduasi_month_in ON COMMIT DROP AS
WITH events AS (
    SELECT k.provinsi_code, k.kabupaten_code, k.kecamatan_code, pp.kabupaten_id AS pendamping_kab,
           p.pendamping_id, extract(month FROM p.decided_at AT TIME ZONE %(tz)s)::int AS month,
           p.type AS kind
    FROM graduasi_proposal p JOIN kpm_kpm k ON k.id = p.kpm_id
    JOIN pendamping_pendamping pp ON pp.id = p.pendamping_id
    WHERE p.status = %(approved)s AND p.decided_at >= %(start)s AND p.decided_at < %(end)s
    UNION ALL
    SELECT k.provinsi_code, k.kabupaten_code, k.kecamatan_code, pp.kabupaten_id, k.pendamping_id,
           extract(month FROM k.exited_on)::int, 'exit'
    FROM kpm_kpm k LEFT JOIN pendamping_pendamping pp ON pp.id = k.pendamping_id
    WHERE k.status = %(exited)s AND k.exited_on >= %(first_day)s AND k.exited_on < %(next_year)s
), flows AS (
    SELECT CASE WHEN grouping(pendamping_id) = 0 THEN 'pendamping'
                WHEN grouping(kecamatan_code) = 0 THEN 'kecamatan'
                WHEN grouping(kabupaten_code) = 0 THEN 'kabupaten'
                WHEN grouping(provinsi_code) = 0 THEN 'provinsi' ELSE 'nasional' END AS level,
           CASE WHEN grouping(pendamping_id) = 0 THEN pendamping_kab
                ELSE coalesce(kecamatan_code, kabupaten_code, provinsi_code, '') END
               AS region_code,
           coalesce(pendamping_id, 0) AS pid, month,
           count(*) FILTER (WHERE kind = 'alamiah') AS graduated_alamiah,
           count(*) FILTER (WHERE kind = 'sejahtera') AS graduated_sejahtera,
           count(*) FILTER (WHERE kind = 'mandiri') AS graduated_mandiri,
           count(*) FILTER (WHERE kind = 'exit') AS exits
    FROM events
    GROUP BY GROUPING SETS ((month, provinsi_code), (month, provinsi_code, kabupaten_code),
                            (month, provinsi_code, kabupaten_code, kecamatan_code), (month),
                            (month, pendamping_kab, pendamping_id))
    HAVING grouping(pendamping_id) = 1 OR pendamping_id IS NOT NULL
), state AS (
    SELECT level, region_code, coalesce(pendamping_id, 0) AS pid, %(month)s AS month,
           active_kpm, tahap_benefit
    FROM graduasi_summary_in
)
SELECT coalesce(f.level, s.level) AS level, coalesce(f.region_code, s.region_code) AS region_code,
       nullif(coalesce(f.pid, s.pid), 0) AS pendamping_id, coalesce(f.month, s.month) AS month,
       coalesce(f.graduated_alamiah, 0) AS graduated_alamiah,
       coalesce(f.graduated_sejahtera, 0) AS graduated_sejahtera,
       coalesce(f.graduated_mandiri, 0) AS graduated_mandiri, coalesce(f.exits, 0) AS exits,
       CASE WHEN s.level IS NOT NULL THEN %(on)s::date END AS snapshot_on,
       s.active_kpm, s.tahap_benefit
FROM flows f FULL JOIN state s
    ON s.level = f.level AND s.region_code = f.region_code AND s.pid = f.pid AND s.month = f.month
"""

FLOWS = ("graduated_alamiah", "graduated_sejahtera", "graduated_mandiri", "exits")
STATE = ("snapshot_on", "active_kpm", "tahap_benefit")
COLUMNS = (*FLOWS, *STATE)

# A month that is not the run's own keeps the state it was given by a run within it.
MONTH_UPSERT_SQL = f"""
INSERT INTO graduasi_regionmonth AS t
    (level, region_code, pendamping_id, year, month, {", ".join(COLUMNS)}, updated_at)
SELECT level, region_code, pendamping_id, %(year)s, month, {", ".join(COLUMNS)}, now()
FROM graduasi_month_in
ON CONFLICT (level, region_code, pendamping_id, year, month) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in FLOWS)},
    {", ".join(f"{c} = coalesce(EXCLUDED.{c}, t.{c})" for c in STATE)},
    updated_at = EXCLUDED.updated_at
WHERE ({", ".join(f"t.{c}" for c in COLUMNS)}) IS DISTINCT FROM
      ({", ".join(f"EXCLUDED.{c}" for c in FLOWS)},
       {", ".join(f"coalesce(EXCLUDED.{c}, t.{c})" for c in STATE)})
"""

# Flows that no longer hold (an approval moved to another year by a correction, say) go to 0.
MONTH_CLEAR_SQL = f"""
UPDATE graduasi_regionmonth t SET {", ".join(f"{c} = 0" for c in FLOWS)}, updated_at = now()
WHERE t.year = %(year)s AND ({" OR ".join(f"t.{c} <> 0" for c in FLOWS)}) AND NOT EXISTS (
    SELECT 1 FROM graduasi_month_in m
    WHERE m.level = t.level AND m.region_code = t.region_code AND m.month = t.month
      AND m.pendamping_id IS NOT DISTINCT FROM t.pendamping_id)
"""


def month_stage(cursor: CursorWrapper, params: dict[str, Any]) -> int:
    """Write the year's months of every region and pendamping; the number of rows changed."""
    on = params["on"]
    params = {
        **params,
        "month": on.month,
        "first_day": on.replace(month=1, day=1),
        "next_year": on.replace(year=on.year + 1, month=1, day=1),
    }
    cursor.execute("DROP TABLE IF EXISTS graduasi_month_in")
    cursor.execute(MONTH_SQL, params)
    cursor.execute(MONTH_UPSERT_SQL, params)
    changed = cursor.rowcount
    cursor.execute(MONTH_CLEAR_SQL, params)
    return changed + cursor.rowcount
