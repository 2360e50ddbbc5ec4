"""A dashboard's numbers counted live from the case tables with GROUP BY, as a dashboard
without the nightly summaries would count them on every request: the area's tiles (its
graduasi_regionsummary row), the regions one level down and the year's months (graduations by
type, exits). The benchmark's baseline, and a second reading of the roll-up: the SQL is the
nightly stage's own (graduasi.pipeline.summaries and months), cut to one area, so the numbers
must equal the summary rows of a run on the same day (live_differences says where they don't).

Never called by a page: the dashboards read the summary tables only."""

# ruff: noqa: S608  (SQL built from the pipeline's constant text and RegionLevel values)

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Q

from graduasi.dashboard.areas import Area
from graduasi.models import RegionLevel, RegionMonth, RegionSummary
from graduasi.pipeline.months import FLOWS, MONTH_SQL
from graduasi.pipeline.summaries import (
    ROLLUP_SQL,
    SUMMARY_COLUMNS,
    TARGET_COUNTS_SQL,
    _params,
)
from graduasi.rules import target_progress
from graduasi.selectors import policy_on


def _between(text: str, start: str, end: str) -> str:
    """The part of `text` after the only `start` and before the next `end` (to the end when
    `end` is empty); fails loudly when
    the pipeline's SQL no longer has the shape this module cuts it by."""
    if text.count(start) != 1:
        raise AssertionError(f"the pipeline SQL no longer has one {start!r}")
    head = text.split(start, 1)[1]
    if not end:
        return head
    if end not in head:
        raise AssertionError(f"the pipeline SQL no longer has {end!r} after {start!r}")
    return head.split(end, 1)[0]


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise AssertionError(f"the pipeline SQL no longer has one {old!r}")
    return text.replace(old, new)


# Pieces of the nightly roll-up, reused as they are: the per-KPM CTEs (prop ... kpm), the
# grouped counts, the per-pendamping staff counts and the final join of the two.
PER_KPM_CTES = _between(ROLLUP_SQL, " AS\nWITH ", ", counts AS (")
COUNT_AGGREGATES = _between(ROLLUP_SQL, "coalesce(pendamping_id, 0) AS pid,\n", "\n    FROM kpm\n")
STAFF_CTE = "staff AS (" + _between(ROLLUP_SQL, "staff AS (", "), kec AS (") + ")"
FINAL_SELECT = "SELECT coalesce(c.level, " + _between(ROLLUP_SQL, "\nSELECT coalesce(c.level, ", "")
APPROVED_CTE = _between(TARGET_COUNTS_SQL, "WITH ", ", pending AS (")
# The staff counts read target progress counted now, not the nightly graduasi_targetprogress.
STAFF_CTE = _replace_once(STAFF_CTE, "graduasi_targetprogress t", "live_target t")
STAFF_CTE = _replace_once(
    STAFF_CTE, "WHERE t.year = %(year)s AND p.is_active", "WHERE p.is_active AND STAFF_FILTER"
)

# Each pendamping's progress as graduasi.rules.target_progress decides it: on track when the
# approvals reach the number expected by the day (Progress.expected_by_now).
LIVE_TARGET_CTE = """
live_target AS (
    SELECT p.id AS pendamping_id, %(target)s AS target, coalesce(ap.n, 0) AS approved,
           coalesce(ap.n, 0) >= %(expected)s AS on_track
    FROM pendamping_pendamping p LEFT JOIN approved ap ON ap.pendamping_id = p.id
)"""

# The area's row is the grouping set (); its children are grouped by their code.
COUNTS_CTE = """
counts AS (
    SELECT CASE WHEN grouping(CHILD) = 0 THEN 'CHILD_LEVEL' ELSE 'AREA_LEVEL' END AS level,
           CASE WHEN grouping(CHILD) = 0 THEN CHILD ELSE %(code)s END AS region_code,
           0 AS pid,
COUNT_AGGREGATES
    FROM kpm WHERE KPM_FILTER
    GROUP BY GROUPING SETS ((), (CHILD))
)""".replace("COUNT_AGGREGATES", COUNT_AGGREGATES)

# The final join also reads each pendamping's kecamatan, which no region row has.
NO_KECAMATAN_CTE = "kec AS (SELECT 0 AS pid, ARRAY[]::varchar[] AS codes WHERE false)"

LIVE_COLUMNS = tuple(c for c in SUMMARY_COLUMNS if c != "kecamatan_codes")

# A provinsi or kabupaten counts only its own KPM's facts: each per-KPM fact table is read
# through the area's KPM, not grouped whole and joined after (the planner cannot push the
# area into a grouped subquery).
FACT_TABLES = (
    "graduasi_proposal", "pemberdayaan_referral", "pendamping_p2k2group_members",
    "pendamping_p2k2attendance", "pendamping_visit",
)  # fmt: skip


def _through_area(ctes: str) -> str:
    """The per-KPM CTEs with each fact table joined to area_kpm."""
    for table in FACT_TABLES:
        pattern = re.compile(rf"FROM {table}(?: ([a-z]+)(?=\s))?")
        if len(pattern.findall(ctes)) != 1:
            raise AssertionError(f"the pipeline SQL no longer reads {table} once")
        ctes = pattern.sub(
            lambda m: (
                f"FROM {m[0].removeprefix('FROM ')} JOIN area_kpm ON area_kpm_id = "
                + (f"{m[1]}.kpm_id" if m[1] else "kpm_id")
            ),
            ctes,
        )
    return f"area_kpm AS (SELECT id AS area_kpm_id FROM kpm_kpm WHERE KPM_FILTER), {ctes}"


def _summary_sql(per_kpm_ctes: str) -> str:
    return f"""
WITH {per_kpm_ctes}, {APPROVED_CTE}, {LIVE_TARGET_CTE}, {COUNTS_CTE}, {STAFF_CTE},
{NO_KECAMATAN_CTE}
SELECT level, region_code, {", ".join(LIVE_COLUMNS)} FROM ({FINAL_SELECT}) r
WHERE r.pendamping_id IS NULL AND r.level IN ('AREA_LEVEL', 'CHILD_LEVEL')
"""


NATION_SUMMARY_SQL = _summary_sql(PER_KPM_CTES)
AREA_SUMMARY_SQL = _summary_sql(_through_area(PER_KPM_CTES))

# The months: the nightly stage's events (approved graduations, exits) of the area.
MONTH_EVENTS_CTE = _between(MONTH_SQL, "AS\nWITH ", ", flows AS (")
MONTH_AGGREGATES = _between(MONTH_SQL, "AS pid, month,\n", "\n    FROM events\n")
MONTHS_SQL = f"""
WITH {MONTH_EVENTS_CTE}
SELECT month, {MONTH_AGGREGATES} FROM events WHERE KPM_FILTER GROUP BY month
"""


@dataclass(frozen=True)
class Cut:
    """How an area cuts the KPM, its pendamping, and which column names its children."""

    child_level: RegionLevel
    child: str  # the kpm CTE's column that names a child region
    kpm: str  # a condition on the kpm CTE (and the month events), which have the same columns
    staff: str  # a condition on pendamping_pendamping p


CUTS = {
    RegionLevel.NATION: Cut(RegionLevel.PROVINSI, "provinsi_code", "true", "true"),
    RegionLevel.PROVINSI: Cut(
        RegionLevel.KABUPATEN, "kabupaten_code", "provinsi_code = %(code)s",
        "left(p.kabupaten_id, 2) = %(code)s",
    ),
    RegionLevel.KABUPATEN: Cut(
        RegionLevel.KECAMATAN, "kecamatan_code", "kabupaten_code = %(code)s",
        "p.kabupaten_id = %(code)s",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class LiveNumbers:
    """An area's numbers counted live: a summary row per (level, region code) for the area
    and its children, and per month the FLOWS (graduations by type, exits)."""

    area: Area
    rows: dict[tuple[str, str], dict[str, Any]]
    months: dict[int, tuple[int, ...]]

    @property
    def numbers(self) -> dict[str, Any] | None:
        """The area's own row: its tiles."""
        return self.rows.get((self.area.level, self.area.code))

    @property
    def children(self) -> dict[str, dict[str, Any]]:
        """The rows of the regions one level down, by code."""
        return {code: row for (level, code), row in self.rows.items() if level != self.area.level}


def _sql(template: str, area: Area) -> str:
    cut = CUTS[area.level]
    return (
        template.replace("AREA_LEVEL", area.level)
        .replace("CHILD_LEVEL", cut.child_level)
        .replace("CHILD", cut.child)
        .replace("KPM_FILTER", cut.kpm)
        .replace("STAFF_FILTER", cut.staff)
    )


def _live_params(area: Area, on: date) -> dict[str, Any]:
    """The nightly roll-up's parameters for `on`, the target's, and the month window's."""
    progress = target_progress(approved=0, on=on, policy=policy_on(on))
    return {
        **_params(on),
        "code": area.code,
        "target": progress.target,
        "expected": progress.expected_by_now,
        "first_day": on.replace(month=1, day=1),
        "next_year": on.replace(year=on.year + 1, month=1, day=1),
    }


def live_numbers(area: Area, *, on: date) -> LiveNumbers:
    """Count the area's tiles, children and months from the case tables as of `on`; three
    queries. Areas: the nation, a provinsi or a kabupaten."""
    if area.level not in CUTS:
        raise ValueError(f"no live count for a {area.level} area")
    params = _live_params(area, on)
    with connection.cursor() as cursor:
        summary = NATION_SUMMARY_SQL if area.level == RegionLevel.NATION else AREA_SUMMARY_SQL
        cursor.execute(_sql(summary, area), params)
        names = [c.name for c in cursor.description]
        rows = {(r[0], r[1]): dict(zip(names[2:], r[2:], strict=True)) for r in cursor.fetchall()}
        cursor.execute(_sql(MONTHS_SQL, area), params)
        months = {r[0]: tuple(r[1:]) for r in cursor.fetchall()}
    return LiveNumbers(area=area, rows=rows, months=months)


# Comparison with the nightly tables -------------------------------------------------------


def _summary_rows(area: Area, *, year: int) -> dict[tuple[str, str], dict[str, Any]]:
    children = Q(level=CUTS[area.level].child_level)
    if area.code:
        children &= Q(region_code__startswith=f"{area.code}.")
    rows = RegionSummary.objects.filter(
        Q(level=area.level, region_code=area.code) | children, year=year, pendamping__isnull=True
    )
    return {
        (r["level"], r["region_code"]): {c: r[c] for c in LIVE_COLUMNS}
        for r in rows.values("level", "region_code", *LIVE_COLUMNS)
    }


def _summary_months(area: Area, *, year: int) -> dict[int, tuple[int, ...]]:
    rows = RegionMonth.objects.filter(
        year=year, level=area.level, region_code=area.code, pendamping__isnull=True
    ).values_list("month", *FLOWS)
    return {month: tuple(flows) for month, *flows in rows if any(flows)}


def live_differences(live: LiveNumbers, *, year: int) -> list[str]:
    """Where the live numbers differ from the nightly summary rows of `year`, one line per
    value ("kabupaten 35.71 approved: live 12, summary 11"); empty when all are equal."""
    found = []
    summary = _summary_rows(live.area, year=year)
    for key in sorted(summary.keys() | live.rows.keys()):
        here, there = live.rows.get(key), summary.get(key)
        if here is None or there is None:
            found.append(f"{key[0]} {key[1]}: {'no live row' if here is None else 'no summary'}")
            continue
        found += [
            f"{key[0]} {key[1]} {c}: live {here[c]}, summary {there[c]}"
            for c in LIVE_COLUMNS
            if here[c] != there[c]
        ]
    months = _summary_months(live.area, year=year)
    for month in sorted(months.keys() | live.months.keys()):
        here_m, there_m = live.months.get(month), months.get(month)
        if here_m != there_m:
            found.append(f"month {month} {', '.join(FLOWS)}: live {here_m}, summary {there_m}")
    return found
