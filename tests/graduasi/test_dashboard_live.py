"""The dashboard's numbers counted live from the case tables (graduasi.dashboard.live) equal the
nightly summary rows of a run on the same day, for the nation, a provinsi and a kabupaten: the
benchmark's baseline counts the same thing, and the roll-up is read a second way."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from graduasi.dashboard.areas import area_for_region
from graduasi.dashboard.live import live_differences, live_numbers
from graduasi.demo import demo_workflow
from graduasi.models import RegionLevel, RegionSummary, RunTrigger
from graduasi.pipeline import pipeline_run
from kpm.models import Kpm, KpmStatus
from pendamping.models import Visit, VisitPurpose
from pengguna.models import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(settings, tmp_path) -> date:
    """Two kabupaten of demo households with a year of graduation work in Kota Kediri, some
    visits in both, and one nightly run over them."""
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    call_command(
        "seed_demo", "--today", today.isoformat(), "--kpm", "900",
        "--kabupaten", "35.71", "35.06", stdout=StringIO(),
    )  # fmt: skip
    demo_workflow(kabupaten_code="35.71", today=today, seed=3)
    active = Kpm.objects.filter(status=KpmStatus.ACTIVE).select_related("pendamping__user")
    for i, kpm in enumerate(active.order_by("id")[:40]):
        assert kpm.pendamping is not None  # every demo household has its pendamping
        Visit.objects.create(
            kpm=kpm, pendamping=kpm.pendamping, visited_on=today - timedelta(days=i),
            purposes=[VisitPurpose.COMMITMENT], created_by=kpm.pendamping.user,
        )  # fmt: skip
    assert pipeline_run(on=today, trigger=RunTrigger.COMMAND) is not None
    return today


@pytest.mark.parametrize("code", ["", "35", "35.71", "35.06"])
def test_live_numbers_equal_the_nightly_summary(counted, code):
    area = area_for_region(make_user("pusat", Role.KEMENTERIAN), code)

    live = live_numbers(area, on=counted)

    assert live_differences(live, year=counted.year) == []
    assert live.numbers is not None and live.numbers["active_kpm"] > 0
    assert live.children


def test_the_live_count_sees_the_years_work(counted):
    area = area_for_region(make_user("pusat", Role.KEMENTERIAN), "35.71")

    live = live_numbers(area, on=counted)

    numbers = live.numbers
    assert numbers is not None
    approved = sum(sum(flows[:3]) for flows in live.months.values())
    assert numbers["approved"] == approved > 0
    assert numbers["pendamping_count"] > 0 and numbers["target"] > 0
    assert numbers["referrals_dirujuk"] + numbers["referrals_diterima"] > 0
    assert numbers["kpm_visited_30d"] > 0
    assert set(live.children) == {"35.71.01", "35.71.02", "35.71.03"}
    assert all(row["pendamping_count"] is None for row in live.children.values())


def test_a_summary_that_disagrees_is_named(counted):
    area = area_for_region(make_user("pusat", Role.KEMENTERIAN), "35")
    RegionSummary.objects.filter(level=RegionLevel.KABUPATEN, region_code="35.06").update(
        active_kpm=1
    )
    RegionSummary.objects.filter(level=RegionLevel.KECAMATAN).delete()

    differences = live_differences(live_numbers(area, on=counted), year=counted.year)

    assert len(differences) == 1
    assert differences[0].startswith("kabupaten 35.06 active_kpm: live ")
    assert differences[0].endswith(", summary 1")
