"""The fall-back risk written to the KPM rows: from the latest done follow-up and the latest
desil recorded after graduation, set-based (a fixed number of queries for any number of KPM),
idempotent, refreshed after a follow-up or an import commits."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from graduasi.models import PolicyVersion
from graduasi.rules import DEFAULT_POLICY
from kpm.importing import import_kpm_file
from kpm.models import DesilHistory, Kpm, KpmStatus
from pemberdayaan.models import BusinessStatus, FollowUp
from pemberdayaan.services.risk import risk_refresh, risk_refresh_on_commit
from tests.conftest import World
from tests.factories import AnggotaFactory, KpmFactory
from tests.kpm.importing_helpers import SAMPLE, TODAY, rows_of, sample_rows, to_csv
from tests.pemberdayaan import graduate
from wilayah.models import PovertyLine

pytestmark = pytest.mark.django_db

GRADUATED_ON = date(2026, 5, 4)
LINE = 609_160  # the national line from 2025-03-01 (wilayah migration 0002)


def done(follow_up: FollowUp, *, on: date, income: int, members: int = 4) -> FollowUp:
    follow_up.done_on, follow_up.monthly_income, follow_up.member_count = on, income, members
    follow_up.business_status = BusinessStatus.RUNNING
    follow_up.save()
    return follow_up


def graduated(world: World, kpm: Kpm | None = None) -> tuple[Kpm, list[FollowUp]]:
    kpm = kpm or world.kpm_own
    _, follow_ups = graduate(kpm, GRADUATED_ON, actor=world.dinsos_kota)
    return kpm, follow_ups


def desil_on(kpm: Kpm, value: int, day: date) -> None:
    DesilHistory.objects.create(kpm=kpm, desil=value, recorded_on=day, source="import")


def state(kpm: Kpm) -> tuple[bool, list]:
    kpm.refresh_from_db(fields=["at_risk", "risk_reasons"])
    return kpm.at_risk, kpm.risk_reasons


def test_a_follow_up_below_the_line_flags_the_family_with_its_reason(world):
    kpm, (six, _) = graduated(world)
    done(six, on=date(2026, 11, 20), income=1_648_000)

    assert risk_refresh([kpm.pk]) == 1

    assert state(kpm) == (
        True,
        [
            {
                "code": "income_below_line",
                "income_per_member": 412_000,
                "line": LINE,
                "multiplier": "1.00",
                "threshold": LINE,
                "on": "2026-11-20",
            }
        ],
    )


def test_income_exactly_at_the_line_is_not_at_risk_one_rupiah_below_is(world):
    kpm, (six, _) = graduated(world)
    done(six, on=date(2026, 11, 20), income=LINE * 4)
    risk_refresh([kpm.pk])
    assert state(kpm) == (False, [])

    done(six, on=date(2026, 11, 20), income=LINE * 4 - 4)
    assert risk_refresh([kpm.pk]) == 1
    assert state(kpm)[0] is True


def test_the_province_line_of_the_follow_up_day_applies(world):
    PovertyLine.objects.create(provinsi_id="35", valid_from=date(2026, 9, 1), amount=500_000)
    kpm, (six, _) = graduated(world)
    done(six, on=date(2026, 11, 20), income=2_100_000)  # 525.000 per member

    risk_refresh([kpm.pk])

    assert state(kpm) == (False, [])


def test_the_latest_done_follow_up_decides(world):
    kpm, (six, twelve) = graduated(world)
    done(six, on=date(2026, 11, 20), income=400_000)
    done(twelve, on=date(2027, 5, 10), income=4_000_000)

    risk_refresh([kpm.pk])

    assert state(kpm) == (False, [])


def test_a_low_desil_after_graduation_flags_the_family(world):
    kpm, _ = graduated(world)
    desil_on(kpm, 2, date(2026, 12, 1))

    risk_refresh([kpm.pk])

    assert state(kpm) == (
        True,
        [{"code": "desil_low", "desil": 2, "max": 2, "on": "2026-12-01"}],
    )


def test_desil_3_after_graduation_is_not_at_risk(world):
    kpm, _ = graduated(world)
    desil_on(kpm, 3, date(2026, 12, 1))
    assert risk_refresh([kpm.pk]) == 0
    assert state(kpm) == (False, [])


def test_a_low_desil_recorded_before_or_on_the_graduation_day_does_not_count(world):
    kpm, _ = graduated(world)
    desil_on(kpm, 1, date(2026, 1, 5))
    desil_on(kpm, 2, GRADUATED_ON)

    assert risk_refresh([kpm.pk]) == 0
    assert state(kpm) == (False, [])


def test_a_newer_higher_desil_clears_an_older_low_one(world):
    kpm, _ = graduated(world)
    desil_on(kpm, 2, date(2026, 8, 1))
    risk_refresh([kpm.pk])
    assert state(kpm)[0] is True

    desil_on(kpm, 5, date(2026, 12, 1))

    assert risk_refresh([kpm.pk]) == 1
    assert state(kpm) == (False, [])


def test_the_desil_limit_in_force_on_the_day_it_was_recorded_applies(world):
    values = {**asdict(DEFAULT_POLICY), "fallback_desil_max": 3}
    PolicyVersion.objects.create(valid_from=date(2026, 10, 1), source="uji", **values)
    kpm, _ = graduated(world)
    desil_on(kpm, 3, date(2026, 11, 1))

    risk_refresh([kpm.pk])

    assert state(kpm)[1] == [{"code": "desil_low", "desil": 3, "max": 3, "on": "2026-11-01"}]


def test_a_second_refresh_changes_nothing(world):
    kpm, (six, _) = graduated(world)
    done(six, on=date(2026, 11, 20), income=100_000)
    desil_on(kpm, 1, date(2026, 12, 1))
    assert risk_refresh() == 1

    assert risk_refresh() == 0
    assert risk_refresh([kpm.pk]) == 0
    assert [r["code"] for r in state(kpm)[1]] == ["income_below_line", "desil_low"]


def test_refreshing_everything_covers_every_graduated_kpm_and_clears_a_stale_flag(world):
    kpm, (six, _) = graduated(world)
    done(six, on=date(2026, 11, 20), income=100_000)
    other, _ = graduated(world, world.kpm_other_district)
    desil_on(other, 1, date(2026, 12, 1))
    stale = world.kpm_same_district  # an active KPM somehow still flagged
    Kpm.objects.filter(pk=stale.pk).update(at_risk=True, risk_reasons=[{"code": "desil_low"}])

    assert risk_refresh() == 3

    assert (state(kpm)[0], state(other)[0], state(stale)) == (True, True, (False, []))


def test_the_flag_is_computed_and_writes_no_audit_row(world):
    kpm, (six, _) = graduated(world)
    done(six, on=date(2026, 11, 20), income=100_000)
    before = AuditEvent.objects.count()
    risk_refresh([kpm.pk])
    assert AuditEvent.objects.count() == before


def many_graduated(world: World, count: int, start: int) -> list[int]:
    pks = []
    for n in range(start, start + count):
        kpm = KpmFactory.create(kpm_id=f"KDR-R{n:03d}", pendamping=world.pendamping_kota)
        AnggotaFactory.create(kpm=kpm, pengurus=True)
        _, (six, _) = graduate(kpm, GRADUATED_ON, actor=world.dinsos_kota)
        done(six, on=date(2026, 11, 20), income=100_000 * (n % 5))
        desil_on(kpm, n % 4 + 1, date(2026, 12, 1))
        pks.append(kpm.pk)
    return pks


def refresh_queries(pks: list[int] | None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        risk_refresh(pks)
    return len(ctx.captured_queries)


def test_the_refresh_costs_the_same_queries_for_3_or_30_kpm(world):
    few = refresh_queries(many_graduated(world, 3, 0))
    Kpm.objects.update(at_risk=False, risk_reasons=[])
    many = refresh_queries(
        many_graduated(world, 30, 3) + list(Kpm.objects.values_list("pk", flat=True))
    )
    assert many == few
    assert few <= 6
    assert Kpm.objects.filter(at_risk=True).count() == 33


def test_a_refresh_on_commit_runs_once_the_transaction_commits(
    world, django_capture_on_commit_callbacks
):
    kpm, _ = graduated(world)
    desil_on(kpm, 1, date(2026, 12, 1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        risk_refresh_on_commit([kpm.pk, kpm.pk])
    assert state(kpm)[0] is False
    assert len(callbacks) == 1

    callbacks[0]()

    assert state(kpm)[0] is True


# The import hook ------------------------------------------------------------------------------


def test_an_import_dropping_a_graduated_kpm_to_desil_2_flags_it(
    db, django_capture_on_commit_callbacks
):
    rows = sample_rows()
    for row in rows_of(rows, "KDR-000001"):
        row["desil"] = "5"
    import_kpm_file(to_csv(rows), today=date(2026, 1, 10))
    kpm = Kpm.objects.get(kpm_id="KDR-000001")
    kpm.status, kpm.graduated_on = KpmStatus.GRADUATED, date(2026, 6, 1)
    kpm.save()
    for row in rows_of(rows, "KDR-000001"):
        row["desil"] = "2"

    with django_capture_on_commit_callbacks(execute=True):
        report = import_kpm_file(to_csv(rows), today=TODAY)

    assert report.desil_changes == 1
    assert state(kpm) == (
        True,
        [{"code": "desil_low", "desil": 2, "max": 2, "on": TODAY.isoformat()}],
    )


def test_an_import_leaves_active_kpm_unflagged(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_kpm_file(SAMPLE, today=TODAY)
    assert not Kpm.objects.filter(at_risk=True).exists()


def test_nothing_is_scheduled_for_kpm_that_are_neither_graduated_nor_flagged(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        risk_refresh_on_commit([world.kpm_own.pk, world.kpm_same_district.pk])
    assert callbacks == []
