"""The nightly graduation pipeline (graduasi.pipeline.pipeline_run) on the seed_demo fixture of
--kpm KPM (1,000,000 by default, about 4M anggota) over Jawa Timur, as of the seed's "today".

Measured in the same run, on the same database:
- the floor: the same assessment as hand-written SQL, one INSERT ... SELECT of CTEs with
  DISTINCT ON and grouped aggregates into `bench_floor_assessment`, reading the same tables
  and policy as the pipeline; best of a run before the pipeline's and one after; then
  compared with the pipeline's rows in SQL, row by row;
- the naive way: one KPM at a time through the ORM (members, latest assessment, latest desil,
  poverty line, graduasi.rules.assess, update_or_create) on NAIVE_KPM KPM, extrapolated;
- the pipeline on a fixture a tenth of the size, for time per KPM as the fixture grows;
- a second run over unchanged facts, which must write nothing.
"""

from __future__ import annotations

import calendar
import io
import os
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bench.common import Measurement, timer, use_scratch_database

if TYPE_CHECKING:
    from argparse import Namespace

    from graduasi.rules import KpmFacts
    from kpm.models import Kpm

SEED = 1
AS_OF = date(2026, 11, 24)  # the seed's "today", fixed so runs compare
NAIVE_KPM = 3_000
# The pipeline shares its batches between processes (assess --processes); the benchmark uses
# one per core of the machine, and also times a single process for reference.
PROCESSES = max(1, min(os.cpu_count() or 1, 4))
FLOOR_TABLE = "bench_floor_assessment"
NAIVE_TABLE = "bench_naive_assessment"
FACT_TABLES = ("kpm_kpm", "kpm_anggota", "kpm_desilhistory", "pendamping_economicassessment")
CONTENT = (
    "status", "reasons", "component_count", "yearly_benefit", "per_tahap",
    "projected_graduation",
)  # fmt: skip


def anniversary(d: str, years: str) -> str:
    """SQL for graduasi.rules.anniversary(d, n), `years` an interval of n years: a 29 February
    moves to 1 March in a common year (PostgreSQL's date + interval gives 28 February)."""
    return (
        f"(CASE WHEN date_part('month', {d}) = 2 AND date_part('day', {d}) = 29"
        f" THEN ({d} - 1 + {years})::date + 1 ELSE ({d} + {years})::date END)"
    )


def years_before(d: str, years: str) -> str:
    """SQL for the day `years` before the date `d`, 29 February falling back to 28 February:
    rules.age_on(born, d) >= n exactly when born is on or before it (kpm.selectors.components)."""
    return f"({d} - make_interval(years => {years}))::date"


def would_hold(d: str) -> str:
    """SQL: the member (as if still active) meets some component on the date `d`
    (rules.eligible_components for a member who stayed)."""
    return f"""(m.born <= {d} AND (
        coalesce(m.woman AND ((m.hamil AND (m.due >= {d} OR m.delivered IS NULL
                                            OR m.delivered > {d}))
                              OR m.delivered BETWEEN {d} - p.nifas_days AND {d}), false)
        OR (NOT m.at_school AND m.born > {years_before(d, "p.anak_usia_dini_max_age + 1")})
        OR (m.at_school AND m.born > {years_before(d, "p.school_max_age + 1")})
        OR m.born <= {years_before(d, "p.lansia_min_age")}
        OR m.disabilitas_berat))"""


def past_end(d: str) -> str:
    """SQL: the latest day on or before `d` a component of the member ended (the ends of
    rules.component_end), NULL when none has."""
    ends = [
        anniversary("m.born", "p.dini_span"),
        f"CASE WHEN m.at_school THEN {anniversary('m.born', 'p.school_span')} END",
        "CASE WHEN m.woman THEN m.delivered + p.nifas_days + 1 END",
        "CASE WHEN m.woman AND m.hamil THEN m.due + 1 END",
    ]
    return "greatest(" + ", ".join(f"CASE WHEN {e} <= {d} THEN {e} END" for e in ends) + ")"


# The policy in force and the dates it implies on as_of. Age tests become birth date tests
# (years_before), and since anniversary(born, n) <= as_of exactly when age >= n, a maximum or
# minimum of anniversaries over a KPM's members is the anniversary of the maximum or minimum
# birth date: the per-KPM dates below take one anniversary each, not one per member.
POLICY_CTE = f"""
pol AS (
    SELECT v.*,
        make_interval(years => v.anak_usia_dini_max_age + 1) AS dini_span,
        make_interval(years => v.school_max_age + 1) AS school_span,
        make_interval(years => v.school_leaving_age) AS leaving_span,
        make_interval(years => v.lansia_min_age) AS lansia_span,
        make_interval(years => v.max_years_in_pkh) AS pkh_span,
        {years_before("%(on)s::date", "v.anak_usia_dini_max_age + 1")} AS dini_born_after,
        {years_before("%(on)s::date", "v.school_max_age + 1")} AS school_born_after,
        {years_before("%(on)s::date", "v.school_leaving_age")} AS leaver_born_by,
        {years_before("%(on)s::date", "v.lansia_min_age")} AS lansia_born_by,
        %(on)s::date - v.nifas_days AS nifas_from,
        %(on)s::date - v.nifas_days - 1 AS nifas_ended_by,
        (%(on)s::date - make_interval(months => v.assessment_max_age_months))::date
            AS stale_before
    FROM graduasi_policyversion v WHERE v.valid_from <= %(on)s
    ORDER BY v.valid_from DESC LIMIT 1
)"""

# Each member's one component (rules.member_component: every test of eligible_components,
# then the highest amount, ties in `Component` order). The tests leave out the member's
# status, which only `amount` adds: rules.component_end asks what a member who left would
# have held. OFFSET 0 keeps each step a subquery, so no expression is computed twice.
MEMBER_CTES = """
kpm AS NOT MATERIALIZED (
    SELECT id, pkh_entry_date AS entry, provinsi_code, desil FROM kpm_kpm WHERE status = 'aktif'
), member AS (
    SELECT a.kpm_id, a.id, a.tanggal_lahir AS born, a.status = 'aktif' AS active,
        CASE WHEN a.status <> 'aktif' THEN a.status_changed_on END AS left_on,
        a.jenis_kelamin = 'P' AS woman, a.hamil, a.perkiraan_lahir AS due,
        a.tanggal_persalinan AS delivered, a.disabilitas_berat,
        a.jenjang_sekolah IN ('SD', 'SMP', 'SMA') AS at_school, lower(a.jenjang_sekolah) AS level
    FROM kpm_anggota a JOIN kpm k ON k.id = a.kpm_id
), tested AS (
    SELECT m.*,
        CASE m.level WHEN 'sd' THEN p.amount_sd WHEN 'smp' THEN p.amount_smp
             WHEN 'sma' THEN p.amount_sma END AS school_amount,
        m.born <= %(on)s AND coalesce(m.woman AND (
            (m.hamil AND (m.due >= %(on)s OR m.delivered IS NULL OR m.delivered > %(on)s))
            OR m.delivered BETWEEN p.nifas_from AND %(on)s), false) AS ibu,
        m.born <= %(on)s AND NOT m.at_school AND m.born > p.dini_born_after AS dini,
        m.born <= %(on)s AND m.at_school AND m.born > p.school_born_after AS school,
        m.born <= p.lansia_born_by AS lansia,
        m.born <= %(on)s AND m.disabilitas_berat AS disab
    FROM member m CROSS JOIN pol p OFFSET 0
), priced AS (
    SELECT t.*, CASE WHEN t.active THEN greatest(
        CASE WHEN t.ibu THEN p.amount_ibu_hamil END,
        CASE WHEN t.dini THEN p.amount_anak_usia_dini END,
        CASE WHEN t.school THEN t.school_amount END,
        CASE WHEN t.lansia THEN p.amount_lansia END,
        CASE WHEN t.disab THEN p.amount_disabilitas_berat END) END AS amount
    FROM tested t CROSS JOIN pol p OFFSET 0
), held AS (
    SELECT r.*, CASE WHEN r.amount IS NOT NULL THEN CASE
        WHEN r.ibu AND p.amount_ibu_hamil = r.amount THEN 'ibu_hamil'
        WHEN r.dini AND p.amount_anak_usia_dini = r.amount THEN 'anak_usia_dini'
        WHEN r.school AND r.school_amount = r.amount THEN r.level
        WHEN r.lansia AND p.amount_lansia = r.amount THEN 'lansia'
        ELSE 'disabilitas_berat' END END AS component
    FROM priced r CROSS JOIN pol p OFFSET 0
)"""

# What rules.component_end needs of a member who left: on a recorded date, the day they left
# if they held a component the day before, else the last end before it (else that day); on
# an unrecorded date, what they would have ended by as_of had they stayed (NULL: unknown).
DEPARTED_CTE = f"""
ended AS (
    SELECT m.*,
        CASE WHEN NOT m.active AND m.left_on IS NOT NULL THEN
            CASE WHEN {would_hold("m.left_on - 1")} THEN m.left_on
                 ELSE coalesce({past_end("m.left_on - 1")}, m.left_on) END
        END AS departed_end,
        CASE WHEN NOT m.active AND m.left_on IS NULL AND NOT {would_hold("%(on)s::date")}
            THEN {past_end("%(on)s::date")} END AS unrecorded_end
    FROM held m CROSS JOIN pol p OFFSET 0
)"""

# Per KPM: count and benefit under the cap; the maxima and minima that
# rules.projected_graduation and the alamiah "since" (rules._no_component_since) need.
HOUSEHOLD_CTE = """
household AS (
    SELECT h.kpm_id, count(h.component) AS n,
        CASE WHEN count(h.amount) <= p.max_components THEN coalesce(sum(h.amount), 0)
             ELSE (SELECT sum(x) FROM (SELECT x FROM unnest(array_agg(h.amount)) AS x
                                       ORDER BY x DESC NULLS LAST LIMIT p.max_components) AS paid)
        END AS yearly,
        bool_or(h.active AND h.disabilitas_berat) AS disabled,
        min(h.born) FILTER (WHERE h.active) AS eldest_born,
        max(coalesce(h.delivered, %(on)s)) FILTER (WHERE h.component = 'ibu_hamil')
            AS ibu_delivered,
        max(h.due) FILTER (WHERE h.component = 'ibu_hamil' AND h.hamil
            AND (h.due >= %(on)s OR h.delivered IS NULL OR h.delivered > %(on)s)) AS ibu_due,
        max(h.born) FILTER (WHERE h.component <> 'ibu_hamil' AND h.born > p.leaver_born_by)
            AS pupil_born,
        max(h.born) FILTER (WHERE h.component <> 'ibu_hamil' AND h.born <= p.leaver_born_by)
            AS overage_born,
        count(*) FILTER (WHERE h.active OR h.left_on IS NOT NULL) AS recorded,
        bool_or(h.active AND NOT (h.born <= p.dini_born_after
            OR (h.at_school AND h.born <= p.school_born_after)
            OR coalesce(h.woman AND h.delivered <= p.nifas_ended_by, false)
            OR coalesce(h.woman AND h.hamil AND h.due < %(on)s, false))) AS active_unknown,
        max(h.born) FILTER (WHERE h.active AND h.born <= p.dini_born_after) AS dini_ended_born,
        max(h.born) FILTER (WHERE h.active AND h.at_school AND h.born <= p.school_born_after)
            AS school_ended_born,
        max(h.delivered) FILTER (WHERE h.active AND h.woman AND h.delivered <= p.nifas_ended_by)
            AS nifas_ended_delivered,
        max(h.due) FILTER (WHERE h.active AND h.woman AND h.hamil AND h.due < %(on)s)
            AS pregnancy_ended_due,
        max(h.departed_end) AS departed_end,
        bool_or(NOT h.active AND h.left_on IS NULL AND h.unrecorded_end IS NULL)
            AS unrecorded_unknown,
        max(h.unrecorded_end) AS unrecorded_end
    FROM ended h CROSS JOIN pol p GROUP BY h.kpm_id, p.max_components
)"""

# The latest economic assessment and desil on or before as_of, the province's poverty line
# (else the national one), the KPM's dates, then each test of graduasi.rules.assess.
FACT_CTES = f"""
economic AS (
    SELECT DISTINCT ON (kpm_id) kpm_id, assessed_on, household_income, member_count,
           stable_income
    FROM pendamping_economicassessment WHERE assessed_on <= %(on)s
    ORDER BY kpm_id, assessed_on DESC, id DESC
), desil AS (
    SELECT DISTINCT ON (kpm_id) kpm_id, desil FROM kpm_desilhistory WHERE recorded_on <= %(on)s
    ORDER BY kpm_id, recorded_on DESC, id DESC
), line AS (
    SELECT DISTINCT ON (provinsi_id) provinsi_id, amount FROM wilayah_povertyline
    WHERE valid_from <= %(on)s ORDER BY provinsi_id, valid_from DESC
), facts AS (
    SELECT k.id, k.entry, coalesce(h.n, 0) AS n, coalesce(h.yearly, 0) AS yearly,
        h.disabled, coalesce(h.recorded, 0) AS recorded, h.active_unknown,
        h.unrecorded_unknown, h.unrecorded_end,
        greatest(h.ibu_delivered + p.nifas_days + 1, {anniversary("h.ibu_due", "p.leaving_span")},
                 {anniversary("h.pupil_born", "p.leaving_span")},
                 {anniversary("h.overage_born", "p.school_span")}) AS projected_end,
        {anniversary("h.eldest_born", "p.lansia_span")} AS lansia_on,
        greatest({anniversary("h.dini_ended_born", "p.dini_span")},
                 {anniversary("h.school_ended_born", "p.school_span")},
                 h.nifas_ended_delivered + p.nifas_days + 1, h.pregnancy_ended_due + 1,
                 h.departed_end) AS ended_on,
        e.kpm_id IS NOT NULL AS assessed, e.assessed_on, e.household_income / e.member_count
            AS per_member, e.stable_income, coalesce(d.desil, k.desil) AS desil,
        coalesce(lp.amount, ln.amount) AS line,
        {anniversary("k.entry", "p.pkh_span")} AS reached_on
    FROM kpm k CROSS JOIN pol p
    LEFT JOIN household h ON h.kpm_id = k.id
    LEFT JOIN economic e ON e.kpm_id = k.id
    LEFT JOIN desil d ON d.kpm_id = k.id
    LEFT JOIN line lp ON lp.provinsi_id = k.provinsi_code
    LEFT JOIN line ln ON ln.provinsi_id IS NULL OFFSET 0
), tests AS (
    SELECT f.*, p.poverty_line_multiplier AS multiplier, p.desil_ceiling AS ceiling,
        p.max_years_in_pkh, p.assessment_max_age_months, p.tahap_per_year,
        ceil(f.line * p.poverty_line_multiplier)::bigint AS threshold,
        CASE WHEN f.recorded = 0 OR f.active_unknown OR f.unrecorded_unknown
                  OR f.unrecorded_end > f.ended_on OR f.ended_on < f.entry THEN NULL
             ELSE f.ended_on END AS since,
        CASE WHEN NOT f.assessed THEN 'no_assessment'
             WHEN f.assessed_on < p.stale_before THEN 'assessment_stale'
             WHEN f.line IS NULL THEN 'no_poverty_line'
             WHEN f.per_member < ceil(f.line * p.poverty_line_multiplier) THEN 'income_below_line'
             WHEN NOT f.stable_income THEN 'income_not_stable'
             ELSE 'income_at_or_above_line' END AS income,
        f.desil > p.desil_ceiling AS desil_holds, %(on)s >= f.reached_on AS years_holds
    FROM facts f CROSS JOIN pol p OFFSET 0
)"""

# The four reasons as Reason.as_json() stores them, in the rules' order.
REASONS = """jsonb_build_array(
    CASE WHEN t.n = 0
        THEN jsonb_build_object('code', 'no_component', 'holds', true, 'status', 'alamiah',
                                'values', jsonb_build_object('since', t.since))
        ELSE jsonb_build_object('code', 'has_components', 'holds', false, 'status', 'alamiah',
                                'values', jsonb_build_object('count', t.n, 'yearly', t.yearly))
    END,
    jsonb_build_object('code', t.income, 'holds', t.income = 'income_at_or_above_line',
        'status', 'sejahtera', 'values', CASE
        WHEN t.income IN ('no_assessment', 'no_poverty_line') THEN '{}'::jsonb
        WHEN t.income = 'assessment_stale' THEN jsonb_build_object(
            'assessed_on', t.assessed_on, 'max_age_months', t.assessment_max_age_months)
        ELSE jsonb_build_object(
            'assessed_on', t.assessed_on, 'income_per_member', t.per_member,
            'line', t.line, 'multiplier', t.multiplier::text, 'threshold', t.threshold,
            'stable_income', t.stable_income) END),
    CASE WHEN t.desil IS NULL
        THEN jsonb_build_object('code', 'no_desil', 'holds', false, 'status', 'sejahtera',
                                'values', jsonb_build_object('ceiling', t.ceiling))
        ELSE jsonb_build_object(
            'code', CASE WHEN t.desil_holds THEN 'desil_above_ceiling'
                         ELSE 'desil_within_ceiling' END,
            'holds', t.desil_holds, 'status', 'sejahtera',
            'values', jsonb_build_object('desil', t.desil, 'ceiling', t.ceiling))
    END,
    jsonb_build_object(
        'code', CASE WHEN t.years_holds THEN 'years_in_pkh_reached' ELSE 'years_in_pkh_below' END,
        'holds', t.years_holds, 'status', 'tinjau',
        'values', jsonb_build_object('entry_date', t.entry, 'max_years', t.max_years_in_pkh,
                                     'reached_on', t.reached_on)))"""

# Status: the first that holds of alamiah, sejahtera, tinjau, else belum. Projected natural
# graduation as the module docstring of graduasi.rules.assessment defines it: none while an
# active member has a severe disability or meets lansia (already 70: their anniversary is on
# or before as_of), or turns 70 on or before the last projected end.
FLOOR_SQL = f"""
WITH {POLICY_CTE}, {MEMBER_CTES}, {DEPARTED_CTE}, {HOUSEHOLD_CTE}, {FACT_CTES}
INSERT INTO {FLOOR_TABLE} (kpm_id, {", ".join(CONTENT)}, status_since, run_id, updated_at)
SELECT t.id,
    CASE WHEN t.n = 0 THEN 'alamiah'
         WHEN t.income = 'income_at_or_above_line' OR t.desil_holds THEN 'sejahtera'
         WHEN t.years_holds THEN 'tinjau' ELSE 'belum' END,
    {REASONS},
    t.n, t.yearly, t.yearly / t.tahap_per_year,
    CASE WHEN t.n = 0 OR t.disabled OR t.lansia_on <= greatest(t.projected_end, %(on)s)
         THEN NULL ELSE t.projected_end END,
    %(on)s, NULL, now()
FROM tests t
"""


# Stages 2 and 3 of the floor, over its own assessment table. Target progress: the same counts
# as the pipeline's, on track decided in SQL (approved x days in the year >= target x days
# elapsed, graduasi.rules.target_progress).
FLOOR_TARGET_TABLE = "bench_floor_target"
FLOOR_SUMMARY_TABLE = "bench_floor_summary"
FLOOR_TARGET_SQL = f"""
WITH {POLICY_CTE}, approved AS (
    SELECT pendamping_id, count(*) AS n FROM graduasi_proposal
    WHERE status = 'disetujui' AND decided_at >= %(start)s AND decided_at < %(end)s
    GROUP BY pendamping_id
), pending AS (
    SELECT pendamping_id, count(*) AS n FROM graduasi_proposal
    WHERE status IN ('diajukan', 'dikembalikan') GROUP BY pendamping_id
), proposed AS (
    SELECT DISTINCT kpm_id FROM graduasi_proposal
    WHERE status IN ('draf', 'diajukan', 'dikembalikan', 'disetujui')
), caseload AS (
    SELECT k.pendamping_id, count(*) AS active,
           count(*) FILTER (WHERE a.status IN ('alamiah', 'sejahtera') AND pr.kpm_id IS NULL)
               AS candidates
    FROM kpm_kpm k LEFT JOIN {FLOOR_TABLE} a ON a.kpm_id = k.id
    LEFT JOIN proposed pr ON pr.kpm_id = k.id
    WHERE k.status = 'aktif' AND k.pendamping_id IS NOT NULL
    GROUP BY k.pendamping_id
)
INSERT INTO {FLOOR_TARGET_TABLE}
    (pendamping_id, year, target, approved, pending, candidates, active_kpm, on_track, updated_at)
SELECT p.id, %(year)s, pol.yearly_graduation_target, coalesce(ap.n, 0), coalesce(pe.n, 0),
       coalesce(c.candidates, 0), coalesce(c.active, 0),
       coalesce(ap.n, 0) * %(days_in_year)s >= pol.yearly_graduation_target * %(days_elapsed)s,
       now()
FROM pendamping_pendamping p CROSS JOIN pol
LEFT JOIN approved ap ON ap.pendamping_id = p.id
LEFT JOIN pending pe ON pe.pendamping_id = p.id
LEFT JOIN caseload c ON c.pendamping_id = p.id
WHERE p.is_active OR ap.n IS NOT NULL
"""


STAGE_DIFF_SQL = """
SELECT
  (SELECT count(*) FROM (
     (SELECT pendamping_id, year, target, approved, pending, candidates, active_kpm, on_track
      FROM {ft} EXCEPT SELECT pendamping_id, year, target, approved, pending, candidates,
      active_kpm, on_track FROM graduasi_targetprogress)
     UNION ALL
     (SELECT pendamping_id, year, target, approved, pending, candidates, active_kpm, on_track
      FROM graduasi_targetprogress EXCEPT SELECT pendamping_id, year, target, approved, pending,
      candidates, active_kpm, on_track FROM {ft})) d),
  (SELECT count(*) FROM (
     (SELECT {sc} FROM {fs} EXCEPT SELECT {sc} FROM graduasi_regionsummary)
     UNION ALL
     (SELECT {sc} FROM graduasi_regionsummary EXCEPT SELECT {sc} FROM {fs})) d)
"""


def stage_differences() -> tuple[int, int]:
    """Target and summary rows that differ between the floor and the pipeline."""
    from django.db import connection

    from graduasi.pipeline.summaries import SUMMARY_COLUMNS

    columns = ", ".join(("level", "region_code", "year", *SUMMARY_COLUMNS))
    sql = STAGE_DIFF_SQL.format(ft=FLOOR_TARGET_TABLE, fs=FLOOR_SUMMARY_TABLE, sc=columns)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        targets, summaries = cursor.fetchone()
    return targets, summaries


def floor_rollup_sql() -> str:
    """The roll-up over the floor's tables: the pipeline's own stage 3 is hand-written SQL
    already, so its floor is the same statement writing a plain table."""
    from graduasi.pipeline.summaries import ROLLUP_SQL, SUMMARY_COLUMNS

    rollup = ROLLUP_SQL.replace("graduasi_kpmassessment", FLOOR_TABLE).replace(
        "graduasi_targetprogress", FLOOR_TARGET_TABLE
    )
    columns = ", ".join(SUMMARY_COLUMNS)
    return (
        f"DROP TABLE IF EXISTS graduasi_summary_in; {rollup};"
        f" INSERT INTO {FLOOR_SUMMARY_TABLE} (level, region_code, year, {columns}, updated_at)"
        f" SELECT level, region_code, %(year)s, {columns}, now() FROM graduasi_summary_in"
    )


@dataclass
class PipelineTimes:
    """One pipeline_run: wall time, each stage's time and the counts it recorded."""

    seconds: float
    assess: float
    target: float
    rollup: float
    assessed: int
    changed: int
    failed: int
    targets_changed: int
    summaries_changed: int

    def stages(self) -> str:
        return (
            f"assess {self.assess:.1f} s, target {self.target:.1f} s, roll-up {self.rollup:.1f} s"
        )


@dataclass
class Results:
    """Everything one run of this benchmark measured."""

    kpm: int
    small_kpm: int
    small: PipelineTimes
    small_floor: float
    naive_seconds: float
    naive_kpm: int
    floor_runs: tuple[float, float]
    first: PipelineTimes
    second: PipelineTimes
    single: PipelineTimes
    floor_diff: dict[str, int]
    naive_diff: dict[str, int]
    stage_diff: tuple[int, int]

    @property
    def floor(self) -> float:
        return min(self.floor_runs)

    @property
    def naive_extrapolated(self) -> float:
        return self.naive_seconds / self.naive_kpm * self.first.assessed


def fixture(kpm: int) -> None:
    """seed_demo --kpm `kpm` over Jawa Timur as bench_seed does, then VACUUM ANALYZE so no
    timed read pays for setting hint bits on freshly copied rows."""
    from django.core.management import call_command
    from django.db import connection

    from bench.bench_seed import jatim_kabupaten
    from wilayah.services import wilayah_load

    wilayah_load()
    call_command(
        "seed_demo", "--kpm", str(kpm), "--kabupaten", *jatim_kabupaten(),
        "--seed", str(SEED), "--today", AS_OF.isoformat(), stdout=io.StringIO(),
    )  # fmt: skip
    with connection.cursor() as cursor:
        for table in FACT_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def fresh_database() -> None:
    """An empty scratch database in place of the current one."""
    from django.db import connections

    connections.close_all()
    settings = connections.databases["default"]
    settings["NAME"] = settings["NAME"].removesuffix("_bench")
    use_scratch_database()


def pipeline_once(processes: int = PROCESSES) -> PipelineTimes:
    """One full pipeline_run as of AS_OF, forced so a finished day runs again."""
    from graduasi.models import RunTrigger
    from graduasi.pipeline import pipeline_run

    with timer() as elapsed:
        run = pipeline_run(on=AS_OF, trigger=RunTrigger.COMMAND, force=True, processes=processes)
    assert run is not None, "the pipeline lock was held"
    return PipelineTimes(
        seconds=elapsed[0], assess=run.assess_seconds or 0.0, target=run.target_seconds or 0.0,
        rollup=run.rollup_seconds or 0.0, assessed=run.assessed, changed=run.changed,
        failed=run.failed, targets_changed=run.targets_changed,
        summaries_changed=run.summaries_changed,
    )  # fmt: skip


def floor_once() -> float:
    """Seconds for the hand-written SQL to fill emptied floor tables: the assessments, then
    target progress and the roll-ups over them, as the pipeline's three stages do."""
    from django.db import connection, transaction

    from graduasi.pipeline.summaries import _params

    tables = {
        FLOOR_TABLE: "graduasi_kpmassessment",
        FLOOR_TARGET_TABLE: "graduasi_targetprogress",
        FLOOR_SUMMARY_TABLE: "graduasi_regionsummary",
    }
    with connection.cursor() as cursor:
        for floor, model in tables.items():
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {floor} (LIKE {model} INCLUDING ALL)")
            cursor.execute(f"TRUNCATE {floor}")
    days_in_year = 366 if calendar.isleap(AS_OF.year) else 365
    days_elapsed = (AS_OF - date(AS_OF.year, 1, 1)).days
    params = {**_params(AS_OF), "on": AS_OF, "days_in_year": days_in_year,
              "days_elapsed": days_elapsed}  # fmt: skip
    with timer() as elapsed, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, params)
        cursor.execute(FLOOR_TARGET_SQL, params)
        cursor.execute(floor_rollup_sql(), params)
    return elapsed[0]


def naive_loop(count: int) -> tuple[float, int]:
    """Seconds to assess `count` active KPM spread over the fixture one at a time through the
    ORM, and how many it did."""
    from django.utils import timezone

    from graduasi.models import KpmAssessment
    from graduasi.rules import assess
    from graduasi.selectors import policy_on
    from kpm.models import Kpm, KpmStatus

    ids = list(Kpm.objects.filter(status=KpmStatus.ACTIVE).values_list("id", flat=True))
    sample = ids[:: max(len(ids) // count, 1)][:count]
    policy, done = policy_on(AS_OF), 0  # the policy once: kinder to the loop than per KPM
    with timer() as elapsed:
        for kpm in Kpm.objects.filter(id__in=sample).order_by("id"):
            result = assess(naive_facts(kpm), on=AS_OF, policy=policy)
            KpmAssessment.objects.update_or_create(
                kpm_id=kpm.pk,
                defaults={
                    "status": result.status.value,
                    "reasons": [r.as_json() for r in result.reasons],
                    "component_count": len(result.benefit.components),
                    "yearly_benefit": result.benefit.yearly,
                    "per_tahap": result.benefit.per_tahap,
                    "projected_graduation": result.projected_graduation,
                    "status_since": AS_OF,
                    "updated_at": timezone.now(),
                },
            )
            done += 1
    return elapsed[0], done


def naive_facts(kpm: Kpm) -> KpmFacts:
    """One KPM's facts, one ORM query per table."""
    from graduasi.rules import EconomicFacts, KpmFacts
    from graduasi.selectors import member_facts
    from kpm.models import Anggota, DesilHistory
    from pendamping.models import EconomicAssessment
    from wilayah.selectors import poverty_line_on

    members = tuple(member_facts(a) for a in Anggota.objects.filter(kpm=kpm).order_by("id"))
    economic = (
        EconomicAssessment.objects.filter(kpm=kpm, assessed_on__lte=AS_OF)
        .order_by("-assessed_on", "-id")
        .values_list("assessed_on", "household_income", "member_count", "stable_income")
        .first()
    )
    desil = (
        DesilHistory.objects.filter(kpm=kpm, recorded_on__lte=AS_OF)
        .order_by("-recorded_on", "-id")
        .values_list("desil", flat=True)
        .first()
    )
    return KpmFacts(
        kpm_id=kpm.pk,
        entry_date=kpm.pkh_entry_date,
        members=members,
        economic=EconomicFacts(*economic) if economic else None,
        desil=desil if desil is not None else kpm.desil,
        poverty_line=poverty_line_on(kpm.provinsi_code, AS_OF),
    )


def keep_naive_rows() -> None:
    """Set the naive loop's rows aside, to hold against the pipeline's later, and empty the
    assessment table so the pipeline's first run starts from nothing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {NAIVE_TABLE}")
        cursor.execute(f"CREATE TABLE {NAIVE_TABLE} AS TABLE graduasi_kpmassessment")
        cursor.execute("TRUNCATE graduasi_kpmassessment")


def differences(other: str) -> dict[str, int]:
    """Rows of `other` whose content differs from the pipeline's: `rows` in all, `missing`
    (a KPM on one side only), per column, and `past_projection` (differing only in that the
    pipeline projects a graduation date before as_of where `other` projects none). Against
    the floor every KPM counts, against the naive loop only its own."""
    from django.db import connection

    same = " AND ".join(f"a.{c} IS NOT DISTINCT FROM o.{c}" for c in CONTENT[:-1])
    differs = " OR ".join(f"a.{c} IS DISTINCT FROM o.{c}" for c in CONTENT)
    per_column = ", ".join(f"count(*) FILTER (WHERE a.{c} IS DISTINCT FROM o.{c})" for c in CONTENT)
    join = "FULL JOIN" if other == FLOOR_TABLE else "LEFT JOIN"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE a.kpm_id IS NULL OR o.kpm_id IS NULL OR {differs}),"
            " count(*) FILTER (WHERE a.kpm_id IS NULL OR o.kpm_id IS NULL),"
            f" count(*) FILTER (WHERE {same} AND o.projected_graduation IS NULL"
            "                   AND a.projected_graduation < %(on)s),"
            f" {per_column}"
            f" FROM {other} o {join} graduasi_kpmassessment a ON a.kpm_id = o.kpm_id",
            {"on": AS_OF},
        )
        counts = cursor.fetchone()
    return dict(zip(("rows", "missing", "past_projection", *CONTENT), counts, strict=True))


def scaled_run(kpm: int) -> tuple[PipelineTimes, float]:
    """The pipeline and the floor on a fixture of `kpm` KPM in the current scratch database."""
    fixture(kpm)
    floor = floor_once()
    return pipeline_once(), floor


def full_run(options: Namespace) -> Results:
    """Every measurement: the smaller fixture first, then the full one in a fresh database."""
    small_kpm = max(options.kpm // 10, 1)
    small, small_floor = scaled_run(small_kpm)
    say(f"{small_kpm:,} KPM: pipeline {small.seconds:.1f} s, floor {small_floor:.1f} s")
    fresh_database()
    fixture(options.kpm)
    naive_seconds, naive_kpm = naive_loop(NAIVE_KPM)
    keep_naive_rows()
    say(f"naive loop: {naive_kpm:,} KPM in {naive_seconds:.1f} s")
    floor_first = floor_once()
    first, second = pipeline_once(), pipeline_once()
    forget_assessments()
    single = pipeline_once(processes=1)
    floor_runs = (floor_first, floor_once())
    say(
        f"pipeline {first.seconds:.1f} s then {second.seconds:.1f} s ({PROCESSES} processes), "
        f"{single.seconds:.1f} s (1 process); floor {floor_runs}"
    )
    return Results(
        kpm=options.kpm, small_kpm=small_kpm, small=small, small_floor=small_floor,
        naive_seconds=naive_seconds, naive_kpm=naive_kpm, floor_runs=floor_runs, first=first,
        second=second, single=single, floor_diff=differences(FLOOR_TABLE),
        naive_diff=differences(NAIVE_TABLE), stage_diff=stage_differences(),
    )  # fmt: skip


def forget_assessments() -> None:
    """Empty the assessment table, so the next run is a first run again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE graduasi_kpmassessment")


def say(text: str) -> None:
    print(f"   {text}", flush=True)


def mismatch_note(r: Results) -> str:
    """The floor comparison in words, with what explains the rows that differ."""
    d = r.floor_diff
    targets, summaries = r.stage_diff
    text = (
        f"{targets:,} target and {summaries:,} summary rows and "
        f"{d['rows']:,} of {r.first.assessed:,} assessments differ from the floor"
    )
    columns = [f"{c} {d[c]:,}" for c in CONTENT if d[c]]
    if d["missing"]:
        columns.append(f"missing {d['missing']:,}")
    if not d["rows"]:
        return text
    text += f" ({', '.join(columns)})"
    if d["past_projection"]:
        text += (
            f"; {d['past_projection']:,} of them only in a projected graduation before "
            f"{AS_OF.isoformat()}"
        )
    return text


def measurements(r: Results) -> list[Measurement]:
    first, small = r.first, r.small
    floor_ratio, naive_ratio = first.seconds / r.floor, r.naive_extrapolated / first.seconds
    per_kpm, small_per_kpm = first.seconds / first.assessed, small.seconds / small.assessed
    naive_same = r.naive_kpm - r.naive_diff["rows"]
    return [
        Measurement(
            name=f"pipeline_run, {r.kpm:,} KPM ({first.assessed:,} active), first run, "
            f"{PROCESSES} processes",
            value=first.seconds, unit="s", baseline=r.floor,
            baseline_label="hand-written SQL floor (one statement per stage), best of "
            + " / ".join(f"{s:.1f}" for s in r.floor_runs) + " s",
            target="<= 1.5x the floor",
            note=f"{floor_ratio:.2f}x the floor ({'met' if floor_ratio <= 1.5 else 'not met'}); "
            f"{first.stages()}; assessment stage alone {first.assess / r.floor:.2f}x; "
            f"{first.failed:,} failed; {mismatch_note(r)}",
        ),
        Measurement(
            name=f"pipeline_run, {r.kpm:,} KPM, first run, 1 process",
            value=r.single.seconds, unit="s", baseline=r.floor,
            baseline_label="the same floor",
            target="for reference",
            note=f"{r.single.seconds / r.floor:.2f}x the floor; {r.single.stages()}",
        ),
        Measurement(
            name=f"pipeline_run, {r.kpm:,} KPM, against the naive per-KPM ORM loop",
            value=first.seconds, unit="s", baseline=r.naive_extrapolated,
            baseline_label=f"ORM loop: {r.naive_kpm:,} KPM in {r.naive_seconds:.1f} s, "
            f"{r.naive_seconds / r.naive_kpm * 1000:.1f} ms/KPM, extrapolated",
            target=">= 100x faster",
            note=f"{naive_ratio:.0f}x faster ({'met' if naive_ratio >= 100 else 'not met'}); "
            f"the loop's rows equal the pipeline's for {naive_same:,} of {r.naive_kpm:,} KPM",
        ),
        Measurement(
            name=f"pipeline_run, time per active KPM, {r.kpm:,} against {r.small_kpm:,} KPM",
            value=per_kpm * 1e6, unit="µs", baseline=small_per_kpm * 1e6,
            baseline_label=f"{r.small_kpm:,} KPM: {small.seconds:.1f} s in all",
            target="ratio near 1",
            note=f"ratio {per_kpm / small_per_kpm:.2f}; {r.small_kpm:,} KPM: {small.stages()}; "
            f"floor {r.small_floor / small.assessed * 1e6:.0f} µs/KPM there, "
            f"{r.floor / first.assessed * 1e6:.0f} µs/KPM at {r.kpm:,}",
        ),
        Measurement(
            name=f"pipeline_run, {r.kpm:,} KPM, second run over unchanged facts",
            value=r.second.seconds, unit="s", baseline=first.seconds, baseline_label="first run",
            target="writes nothing, takes less time",
            note=f"{r.second.changed:,} assessments, {r.second.targets_changed:,} target rows "
            f"and {r.second.summaries_changed:,} summaries written; {r.second.stages()}",
        ),
    ]  # fmt: skip


def run(options: Namespace) -> list[Measurement]:
    return measurements(full_run(options))
