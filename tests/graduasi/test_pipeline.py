"""The nightly graduation pipeline on PostgreSQL: every active KPM gets the assessment the rules
give for its facts, a rerun over unchanged facts writes nothing, targets and regional roll-ups
count the world, one run per day under one lock, and `manage.py assess`."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from graduasi.models import (
    GraduationType,
    KpmAssessment,
    PipelineRun,
    Proposal,
    ProposalStatus,
    RegionSummary,
    RunStatus,
    RunTrigger,
    TargetProgress,
)
from graduasi.pipeline import batches as batches_module
from graduasi.pipeline import pipeline_run
from graduasi.rules import Assessment, EconomicFacts, KpmFacts, assess, target_progress
from graduasi.selectors import member_facts, policy_on
from graduasi.tasks import nightly_pipeline
from kpm.models import DesilHistory, Kpm, KpmStatus, Relationship, Sex
from pendamping.models import Pendamping
from tests.conftest import DESA_KAB_KEDIRI, DESA_KOTA_KEDIRI, World
from tests.factories import (
    AnggotaFactory,
    DesilHistoryFactory,
    EconomicAssessmentFactory,
    KpmFactory,
)
from wilayah.models import PovertyLine
from wilayah.selectors import poverty_line_on

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 3, 15)  # day 73 of 2026: 2 approvals of a target of 10 are just on track
JAKARTA = ZoneInfo("Asia/Jakarta")
JATIM_LINE = 620_000  # Jawa Timur's own line, above the national 609,160
CONTENT = (
    "status",
    "reasons",
    "component_count",
    "yearly_benefit",
    "per_tahap",
    "projected_graduation",
)


@dataclass
class Varied:
    """The conftest world (its three active KPM have no component: alamiah) plus one KPM
    for each other status."""

    world: World
    income: Kpm  # sejahtera: income per member above Jawa Timur's line, stable
    desil5: Kpm  # sejahtera: latest DTSEN desil 5, above the ceiling of 4
    long: Kpm  # tinjau: in PKH since 2019
    belum: Kpm  # belum: a young child, nothing else holds

    @property
    def active(self) -> list[Kpm]:
        w = self.world
        others = [w.kpm_own, w.kpm_same_district, w.kpm_other_district]
        return [*others, self.income, self.desil5, self.long, self.belum]


def household(
    kpm_id: str,
    pendamping: Pendamping,
    *,
    entry: date,
    child_born: date,
    school: str = "",
    desil: int = 2,
) -> Kpm:
    """A mother with no component of her own and one child who holds one."""
    kpm = KpmFactory.create(
        kpm_id=kpm_id,
        desa_code=DESA_KOTA_KEDIRI,
        pendamping=pendamping,
        pkh_entry_date=entry,
        desil=desil,
    )
    AnggotaFactory(kpm=kpm, pengurus=True, tanggal_lahir=date(1988, 4, 12))
    AnggotaFactory(
        kpm=kpm,
        hubungan=Relationship.CHILD,
        jenis_kelamin=Sex.MALE,
        tanggal_lahir=child_born,
        jenjang_sekolah=school,
    )
    return kpm


@pytest.fixture
def varied(world: World) -> Varied:
    PovertyLine.objects.create(
        provinsi_id="35", valid_from=date(2025, 9, 1), amount=JATIM_LINE, source="uji"
    )
    p_kota, p_other = world.pendamping_kota, world.pendamping_kota_other
    income = household(
        "UJI-INCOME", p_kota, entry=date(2023, 6, 1), child_born=date(2017, 2, 1), school="SD"
    )
    for day, amount, stable in [
        (date(2025, 6, 1), 1_200_000, False),  # older: superseded
        (date(2026, 1, 10), 2_700_000, True),  # the latest on AS_OF: 900,000 a member
        (date(2026, 4, 1), 900_000, False),  # after AS_OF: not yet known
    ]:
        EconomicAssessmentFactory(
            kpm=income, assessed_on=day, household_income=amount, member_count=3,
            stable_income=stable,
        )  # fmt: skip
    desil5 = household(
        "UJI-DESIL5", p_kota, entry=date(2023, 6, 1), child_born=date(2016, 9, 1), school="SD",
        desil=5,
    )  # fmt: skip
    DesilHistoryFactory(kpm=desil5, desil=2, recorded_on=date(2024, 1, 5))
    DesilHistoryFactory(kpm=desil5, desil=5, recorded_on=date(2025, 7, 1))
    long = household(
        "UJI-LAMA", p_kota, entry=date(2019, 7, 1), child_born=date(2012, 8, 1), school="SMP"
    )
    belum = household("UJI-BELUM", p_other, entry=date(2023, 6, 1), child_born=date(2022, 10, 1))
    return Varied(world=world, income=income, desil5=desil5, long=long, belum=belum)


def facts_of(kpm: Kpm, on: date) -> KpmFacts:
    """The KPM's facts read through the ORM, independently of the pipeline's grouped SQL."""
    economic = kpm.assessments.filter(assessed_on__lte=on).order_by("-assessed_on", "-id").first()
    desil = kpm.desil_history.filter(recorded_on__lte=on).order_by("-recorded_on", "-id").first()
    return KpmFacts(
        kpm_id=kpm.pk,
        entry_date=kpm.pkh_entry_date,
        members=tuple(member_facts(a) for a in kpm.anggota.all()),
        economic=(
            EconomicFacts(
                economic.assessed_on,
                economic.household_income,
                economic.member_count,
                economic.stable_income,
            )
            if economic
            else None
        ),
        desil=desil.desil if desil else kpm.desil,
        poverty_line=poverty_line_on(kpm.provinsi_code, on),
    )


def row_from(result: Assessment) -> dict[str, Any]:
    """The stored content an assessment should become."""
    return {
        "status": result.status.value,
        "reasons": [r.as_json() for r in result.reasons],
        "component_count": len(result.benefit.components),
        "yearly_benefit": result.benefit.yearly,
        "per_tahap": result.benefit.per_tahap,
        "projected_graduation": result.projected_graduation,
    }


def stored_rows() -> dict[int, dict[str, Any]]:
    rows = KpmAssessment.objects.values("kpm_id", "status_since", *CONTENT)
    return {row.pop("kpm_id"): row for row in rows}


ROW_VERSIONS_SQL = (
    "SELECT 'kpm', kpm_id, ctid::text, xmin::text FROM graduasi_kpmassessment",
    "SELECT 'target', id, ctid::text, xmin::text FROM graduasi_targetprogress",
    "SELECT 'region', id, ctid::text, xmin::text FROM graduasi_regionsummary",
    "SELECT 'month', id, ctid::text, xmin::text FROM graduasi_regionmonth",
)


def row_versions() -> dict[tuple[str, int], tuple[str, str]]:
    """Where each result row physically is and which (sub)transaction wrote it: an UPDATE,
    even one that writes the same values, moves the row and changes its xmin."""
    found = {}
    with connection.cursor() as cursor:
        for sql in ROW_VERSIONS_SQL:
            cursor.execute(sql)
            found.update({(kind, pk): (ctid, xmin) for kind, pk, ctid, xmin in cursor.fetchall()})
    return found


def run_on(day: date = AS_OF, **kwargs: Any) -> PipelineRun:
    run = pipeline_run(on=day, trigger=kwargs.pop("trigger", RunTrigger.COMMAND), **kwargs)
    assert run is not None
    return run


def wib(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


def propose(
    kpm: Kpm, pendamping: Pendamping, status: str, decided_at: datetime | None = None
) -> Proposal:
    return Proposal.objects.create(
        kpm=kpm,
        pendamping=pendamping,
        type=GraduationType.ALAMIAH,
        status=status,
        created_by=pendamping.user,
        submitted_at=None if status == ProposalStatus.DRAFT else wib(2026, 1, 5),
        decided_at=decided_at,
    )


# The assessment stage ------------------------------------------------------------------------


def test_every_active_kpm_gets_the_assessment_the_rules_give_for_its_facts(varied):
    run = run_on()

    stored = stored_rows()
    policy = policy_on(AS_OF)
    assert set(stored) == {kpm.pk for kpm in varied.active}  # the graduated KPM has none
    for kpm in varied.active:
        expected = row_from(assess(facts_of(kpm, AS_OF), on=AS_OF, policy=policy))
        assert stored[kpm.pk] == {**expected, "status_since": AS_OF}, kpm.kpm_id
    assert {kpm.kpm_id: stored[kpm.pk]["status"] for kpm in varied.active} == {
        "KDR-OWN": "alamiah",
        "KDR-SAME": "alamiah",
        "KAB-OTHER": "alamiah",
        "UJI-INCOME": "sejahtera",
        "UJI-DESIL5": "sejahtera",
        "UJI-LAMA": "tinjau",
        "UJI-BELUM": "belum",
    }
    income = {r["code"]: r for r in stored[varied.income.pk]["reasons"]}
    assert income["income_at_or_above_line"]["values"]["income_per_member"] == 900_000
    assert income["income_at_or_above_line"]["values"]["line"] == JATIM_LINE
    assert stored[varied.income.pk]["projected_graduation"] == date(2035, 2, 1)  # SD child at 18
    assert (stored[varied.belum.pk]["yearly_benefit"], stored[varied.belum.pk]["per_tahap"]) == (
        3_000_000,
        750_000,
    )
    assert set(KpmAssessment.objects.values_list("run_id", flat=True)) == {run.pk}


def test_a_rerun_over_unchanged_facts_writes_nothing(varied):
    run_on()
    before = row_versions()

    second = run_on(force=True)

    # assessments, pendamping targets, then summaries and this month's rows of 7 regions and
    # 3 pendamping
    assert len(before) == 7 + 3 + (7 + 3) + (7 + 3)
    assert row_versions() == before
    counts = (second.assessed, second.changed, second.targets_changed, second.summaries_changed)
    assert counts == (7, 0, 0, 0)
    assert PipelineRun.objects.get(pk=second.pk).changed == 0


def test_a_changed_fact_rewrites_only_that_kpm_and_status_since_follows_the_status(varied):
    run_on()
    before = row_versions()
    later = AS_OF + timedelta(days=7)
    EconomicAssessmentFactory(  # belum -> sejahtera: 1,500,000 a member, stable
        kpm=varied.belum, assessed_on=later, household_income=3_000_000, member_count=2,
        stable_income=True,
    )  # fmt: skip
    EconomicAssessmentFactory(  # still sejahtera, with a new income
        kpm=varied.income, assessed_on=later, household_income=3_300_000, member_count=3,
        stable_income=True,
    )  # fmt: skip

    run = run_on(later)

    after = row_versions()
    moved = {key for key in after if key[0] == "kpm" and after[key] != before[key]}
    assert moved == {("kpm", varied.belum.pk), ("kpm", varied.income.pk)}
    assert run.changed == 2
    stored = stored_rows()
    assert (stored[varied.belum.pk]["status"], stored[varied.belum.pk]["status_since"]) == (
        "sejahtera",
        later,
    )
    assert (stored[varied.income.pk]["status"], stored[varied.income.pk]["status_since"]) == (
        "sejahtera",
        AS_OF,
    )
    income = {r["code"]: r["values"] for r in stored[varied.income.pk]["reasons"]}
    assert income["income_at_or_above_line"]["income_per_member"] == 1_100_000


def test_a_kpm_that_leaves_the_programme_loses_its_assessment_at_the_next_run(varied):
    run_on()
    varied.long.status = KpmStatus.GRADUATED
    varied.long.save()

    run = run_on(force=True)

    assert (run.assessed, run.changed) == (6, 1)  # the removed row is the one change
    assert set(stored_rows()) == {kpm.pk for kpm in varied.active} - {varied.long.pk}


def test_small_batches_give_the_same_rows_as_one_batch(varied, settings, monkeypatch):
    sizes: list[int] = []
    real_facts = batches_module.kpm_facts

    def counted(ids, **kwargs):
        facts = real_facts(ids, **kwargs)
        sizes.append(len(facts))
        return facts

    monkeypatch.setattr(batches_module, "kpm_facts", counted)
    run_on()
    one_batch = stored_rows()
    KpmAssessment.objects.all().delete()
    settings.GRADUASI_BATCH_SIZE = 2

    run = run_on(force=True)

    assert sizes == [7, 2, 2, 2, 1]  # the graduated KPM's id inside a range is skipped
    assert stored_rows() == one_batch
    assert (run.assessed, run.changed) == (7, 7)


def test_a_kpm_whose_facts_break_the_rules_is_listed_as_failed_and_the_rest_are_written(
    varied, monkeypatch
):
    def assess_or_break(facts: KpmFacts, **kwargs: Any) -> Assessment:
        if facts.kpm_id == varied.belum.pk:
            raise ValueError("tanggal lahir anak tidak masuk akal")
        return assess(facts, **kwargs)

    monkeypatch.setattr(batches_module, "assess", assess_or_break)

    run = run_on()

    run.refresh_from_db()
    assert (run.status, run.assessed, run.changed, run.failed) == (RunStatus.DONE, 6, 6, 1)
    assert run.failures == [
        {"kpm": varied.belum.pk, "error": "ValueError: tanggal lahir anak tidak masuk akal"}
    ]
    assert set(stored_rows()) == {kpm.pk for kpm in varied.active} - {varied.belum.pk}


# The run, its record and its lock -------------------------------------------------------------


def test_the_run_record_holds_date_trigger_times_stage_seconds_and_counts(varied):
    before = timezone.now()

    run_on(trigger=RunTrigger.SCHEDULE)

    run = PipelineRun.objects.get()
    assert (run.as_of, run.trigger, run.status, run.error) == (AS_OF, "jadwal", "selesai", "")
    assert run.finished_at is not None
    assert before <= run.started_at <= run.finished_at <= timezone.now()
    seconds = [run.assess_seconds, run.target_seconds, run.rollup_seconds, run.risk_seconds]
    assert all(s is not None and s >= 0 for s in seconds)
    assert sum(s for s in seconds if s is not None) <= (run.duration_seconds or 0) + 0.01
    counts = (run.assessed, run.changed, run.failed, run.targets_changed, run.summaries_changed)
    # 3 pendamping; 3 kecamatan, 2 kabupaten, 1 provinsi, the nation and the 3 pendamping's
    # caseloads, each with a summary and the month of the run
    assert counts == (7, 7, 0, 3, 2 * (7 + 3))
    assert run.failures == []


def test_the_fourth_stage_flags_a_graduated_family_whose_desil_fell_back_once(world):
    kpm = world.kpm_graduated
    Kpm.objects.filter(pk=kpm.pk).update(graduated_on=date(2025, 6, 1), graduation_type="alamiah")
    DesilHistory.objects.create(kpm=kpm, desil=2, recorded_on=date(2026, 1, 10), source="import")

    first = run_on()

    kpm.refresh_from_db()
    assert kpm.at_risk and [r["code"] for r in kpm.risk_reasons] == ["desil_low"]
    assert first.risks_changed == 1
    assert run_on(force=True).risks_changed == 0


def test_a_second_trigger_for_a_finished_day_does_nothing_unless_forced(varied):
    first = run_on(trigger=RunTrigger.SCHEDULE)

    assert pipeline_run(on=AS_OF, trigger=RunTrigger.SCHEDULE) is None
    assert list(PipelineRun.objects.values_list("pk", flat=True)) == [first.pk]

    forced = run_on(trigger=RunTrigger.COMMAND, force=True)
    assert forced.pk != first.pk and forced.status == RunStatus.DONE
    next_day = run_on(AS_OF + timedelta(days=1), trigger=RunTrigger.SCHEDULE)
    assert PipelineRun.objects.filter(status=RunStatus.DONE).count() == 3
    assert next_day.as_of == AS_OF + timedelta(days=1)


def test_no_run_while_another_session_holds_the_lock(varied):
    key = zlib.crc32(b"graduasi.pipeline")
    other = connections.create_connection("default")  # another worker's session
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])

        assert pipeline_run(on=AS_OF, trigger=RunTrigger.SCHEDULE) is None
        assert not PipelineRun.objects.exists()
        assert not KpmAssessment.objects.exists()

        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    finally:
        other.close()
    assert pipeline_run(on=AS_OF, trigger=RunTrigger.SCHEDULE) is not None


def test_a_run_left_running_is_marked_interrupted_by_the_next_run(varied):
    dead = PipelineRun.objects.create(
        as_of=AS_OF, trigger=RunTrigger.SCHEDULE, started_at=timezone.now() - timedelta(hours=2)
    )

    run = run_on(trigger=RunTrigger.SCHEDULE)  # not forced: the dead run never finished the day

    dead.refresh_from_db()
    assert (dead.status, dead.finished_at) == (RunStatus.INTERRUPTED, None)
    assert dead.error
    assert run.status == RunStatus.DONE


def test_the_nightly_task_runs_the_day_once(varied):
    result = nightly_pipeline.delay(AS_OF.isoformat()).get()

    run = PipelineRun.objects.get()
    assert result == {"run": run.pk, "assessed": 7, "changed": 7, "failed": 0}
    assert run.trigger == RunTrigger.SCHEDULE
    assert nightly_pipeline.delay(AS_OF.isoformat()).get() is None
    assert PipelineRun.objects.count() == 1


# Target progress ------------------------------------------------------------------------------


def test_targets_count_this_years_approvals_pending_proposals_and_candidates(varied):
    w = varied.world
    p_kota, p_kota2, p_kab = w.pendamping_kota, w.pendamping_kota_other, w.pendamping_kab
    propose(w.kpm_own, p_kota, ProposalStatus.SUBMITTED)  # pending; own is no candidate
    propose(varied.income, p_kota, ProposalStatus.RETURNED)  # pending; no candidate
    propose(varied.desil5, p_kota, ProposalStatus.DRAFT)  # not pending; no candidate
    rejected = KpmFactory.create(pendamping=p_kota)  # no member: alamiah
    propose(rejected, p_kota, ProposalStatus.REJECTED, wib(2026, 2, 1))  # still a candidate
    KpmFactory.create(pendamping=p_kota)  # alamiah, never proposed: a candidate
    last_year = KpmFactory.create(pendamping=p_kota)  # still active: approved, so no candidate
    propose(last_year, p_kota, ProposalStatus.APPROVED, wib(2025, 12, 31, 23, 30))
    graduated = KpmFactory.create(pendamping=p_kota, status=KpmStatus.GRADUATED)
    propose(graduated, p_kota, ProposalStatus.APPROVED, wib(2026, 1, 1, 0, 30))
    for decided in [wib(2026, 3, 1), wib(2026, 3, 14, 23, 59)]:  # the first was p_kota's KPM
        kpm = KpmFactory.create(pendamping=p_kota, status=KpmStatus.GRADUATED)
        propose(kpm, p_kota2, ProposalStatus.APPROVED, decided)

    run_on()

    rows = {
        row.pendamping_id: (row.approved, row.pending, row.candidates, row.active_kpm, row.target)
        for row in TargetProgress.objects.filter(year=2026)
    }
    assert rows == {
        p_kota.pk: (1, 2, 2, 7, 10),  # 31 Dec 23:30 WIB is last year, 1 Jan 00:30 WIB this one
        p_kota2.pk: (2, 0, 1, 2, 10),  # credited to the proposal's pendamping
        p_kab.pk: (0, 0, 1, 1, 10),
    }
    on_track = dict(TargetProgress.objects.values_list("pendamping_id", "on_track"))
    assert on_track == {p_kota.pk: False, p_kota2.pk: True, p_kab.pk: False}
    policy = policy_on(AS_OF)
    for pendamping_id, (approved, *_rest) in rows.items():
        progress = target_progress(approved=approved, on=AS_OF, policy=policy)
        assert on_track[pendamping_id] == progress.on_track


# Regional roll-ups ----------------------------------------------------------------------------

SUMMARY = (
    "active_kpm", "alamiah", "sejahtera", "tinjau", "belum", "candidates", "pending", "approved",
    "yearly_benefit", "pendamping_count", "pendamping_on_track", "target",
)  # fmt: skip


def summaries() -> dict[tuple[str, str, int | None], tuple]:
    """Each area's counts by (level, region code, pendamping id or None)."""
    rows = RegionSummary.objects.filter(year=2026).values_list(
        "level", "region_code", "pendamping_id", *SUMMARY
    )
    return {(level, code, pid): tuple(values) for level, code, pid, *values in rows}


def test_rollups_count_each_kecamatan_kabupaten_provinsi_and_the_nation(varied):
    w = varied.world
    propose(w.kpm_own, w.pendamping_kota, ProposalStatus.SUBMITTED)
    propose(w.kpm_graduated, w.pendamping_kota, ProposalStatus.APPROVED, wib(2026, 2, 10))
    for _ in range(2):  # two graduations in Kabupaten Kediri: its pendamping is on track
        kpm = KpmFactory.create(
            desa_code=DESA_KAB_KEDIRI, pendamping=w.pendamping_kab, status=KpmStatus.GRADUATED
        )
        propose(kpm, w.pendamping_kab, ProposalStatus.APPROVED, wib(2026, 3, 2))

    run_on()

    own_benefit = 900_000 + 900_000 + 1_500_000  # SD, SD, SMP
    benefit = own_benefit + 3_000_000  # and anak usia dini
    p_kota, p_other, p_kab = (
        w.pendamping_kota.pk, w.pendamping_kota_other.pk, w.pendamping_kab.pk,
    )  # fmt: skip
    # active, alamiah, sejahtera, tinjau, belum, candidates, pending, approved, benefit,
    # pendamping, on track, target
    assert summaries() == {
        ("kecamatan", "35.71.01", None): (5, 1, 2, 1, 1, 2, 1, 1, benefit, None, None, None),
        ("kecamatan", "35.71.03", None): (1, 1, 0, 0, 0, 1, 0, 0, 0, None, None, None),
        ("kecamatan", "35.06.01", None): (1, 1, 0, 0, 0, 1, 0, 2, 0, None, None, None),
        ("kabupaten", "35.71", None): (6, 2, 2, 1, 1, 3, 1, 1, benefit, 2, 0, 20),
        ("kabupaten", "35.06", None): (1, 1, 0, 0, 0, 1, 0, 2, 0, 1, 1, 10),
        ("provinsi", "35", None): (7, 3, 2, 1, 1, 4, 1, 3, benefit, 3, 1, 30),
        ("nasional", "", None): (7, 3, 2, 1, 1, 4, 1, 3, benefit, 3, 1, 30),
        # each pendamping's caseload under their kabupaten's code; approvals credited to them
        ("pendamping", "35.71", p_kota): (4, 1, 2, 1, 0, 2, 1, 1, own_benefit, 1, 0, 10),
        ("pendamping", "35.71", p_other): (2, 1, 0, 0, 1, 1, 0, 0, 3_000_000, 1, 0, 10),
        ("pendamping", "35.06", p_kab): (1, 1, 0, 0, 0, 1, 0, 2, 0, 1, 1, 10),
    }


def test_a_region_whose_kpm_all_moved_away_loses_its_rollup(varied):
    run_on()
    moved = varied.world.kpm_same_district  # the only KPM of kecamatan 35.71.03
    moved.set_region_from_desa_code(DESA_KOTA_KEDIRI)
    moved.save()

    run_on(force=True)

    rows = summaries()
    assert ("kecamatan", "35.71.03", None) not in rows
    assert rows[("kecamatan", "35.71.01", None)][0] == 6
    assert rows[("kabupaten", "35.71", None)][0] == 6
    # the pendamping still has the KPM, now in another kecamatan
    other = RegionSummary.objects.get(level="pendamping", pendamping=moved.pendamping)
    assert (other.active_kpm, other.kecamatan_codes) == (2, ["35.71.01"])  # with UJI-BELUM


# manage.py assess and the schedule ------------------------------------------------------------


def test_assess_one_kpm_prints_its_assessment_as_json(varied):
    out = StringIO()

    call_command(
        "assess", "--kpm", "UJI-INCOME", "--as-of", AS_OF.isoformat(), "--json", stdout=out
    )

    data = json.loads(out.getvalue())
    assert (data["kpm_id"], data["as_of"]) == ("UJI-INCOME", "2026-03-15")
    assert (data["status"], data["statuses"]) == ("sejahtera", ["sejahtera"])
    assert [(r["code"], r["holds"]) for r in data["reasons"]] == [
        ("has_components", False),
        ("income_at_or_above_line", True),
        ("desil_within_ceiling", False),
        ("years_in_pkh_below", False),
    ]
    income = data["reasons"][1]["values"]
    assert (income["income_per_member"], income["line"], income["stable_income"]) == (
        900_000,
        JATIM_LINE,
        True,
    )
    mother, child = varied.income.anggota.order_by("tanggal_lahir")
    members = {m["anggota_id"]: m for m in data["members"]}
    assert members[child.pk] == {
        "anggota_id": child.pk, "active": True, "component": "sd", "yearly": 900_000, "paid": True,
    }  # fmt: skip
    assert (members[mother.pk]["component"], members[mother.pk]["paid"]) == (None, False)
    assert data["benefit"] == {"yearly": 900_000, "per_tahap": 225_000}
    assert data["projected_graduation"] == "2035-02-01"
    assert KpmAssessment.objects.get(kpm=varied.income).status == "sejahtera"  # stored too


def test_assess_refuses_an_unknown_kpm_and_a_bad_date(varied):
    with pytest.raises(CommandError, match="not found"):
        call_command("assess", "--kpm", "TIDAK-ADA", stdout=StringIO())
    with pytest.raises(CommandError, match="--as-of"):
        call_command("assess", "--kpm", "UJI-INCOME", "--as-of", "15-03-2026", stdout=StringIO())
    with pytest.raises(CommandError, match="--as-of"):
        call_command("assess", "--as-of", "2026-02-30", stdout=StringIO())
    assert not PipelineRun.objects.exists()


def test_assess_without_a_kpm_runs_the_whole_pipeline(varied):
    out = StringIO()

    call_command("assess", "--as-of", AS_OF.isoformat(), "--json", stdout=out)
    call_command("assess", "--as-of", AS_OF.isoformat(), stdout=StringIO())  # always runs

    counts = json.loads(out.getvalue())
    first, second = PipelineRun.objects.order_by("id")
    assert (first.trigger, first.as_of, first.status) == ("perintah", AS_OF, "selesai")
    assert (counts["run"], counts["assessed"], counts["changed"]) == (first.pk, 7, 7)
    assert (second.status, second.changed) == ("selesai", 0)
    assert KpmAssessment.objects.count() == 7


def test_the_beat_runs_the_nightly_pipeline_at_one_in_the_morning_jakarta_time():
    from config.celery import app

    entries = [
        entry
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "graduasi.tasks.nightly_pipeline"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute) == ({1}, {0})
    assert schedule.day_of_week == set(range(7))
    assert schedule.day_of_month == set(range(1, 32))
    assert schedule.month_of_year == set(range(1, 13))
    assert django_settings.CELERY_TIMEZONE == "Asia/Jakarta"
    assert app.conf.timezone == "Asia/Jakarta"
    assert app.conf.beat_schedule == django_settings.CELERY_BEAT_SCHEDULE
    assert nightly_pipeline.name == "graduasi.tasks.nightly_pipeline"
