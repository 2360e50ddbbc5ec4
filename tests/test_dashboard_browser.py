"""The dashboards in Debian's Chromium against a live server.

National ministry staff open the dashboard from the menu, see the charts drawn by the project's
own Chart.js with no console error, and click down provinsi > kabupaten > kecamatan >
pendamping. A Dinsos officer's dashboard opens on their kabupaten. Full-page screenshots at
1280 and 360 px are kept under docs/screenshots/, and no request leaves this machine.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from playwright.sync_api import ConsoleMessage, Page, expect

from graduasi.models import GraduationType, Proposal, ProposalStatus, RunTrigger
from graduasi.pipeline import pipeline_run
from kpm.models import Kpm, KpmStatus, Relationship, SchoolLevel, Sex
from pendamping.models import Pendamping, Visit, VisitPurpose
from tests.browser import outside, record_requests
from tests.conftest import (
    DESA_KAB_KEDIRI,
    DESA_KOTA_KEDIRI,
    DESA_KOTA_KEDIRI_2,
    SEED_MIGRATIONS,
    World,
    live_db,
    make_pendamping,
)
from tests.factories import AnggotaFactory, KpmFactory
from tests.test_workspace_browser import PHONE, sign_in, sign_out, snap

pytestmark = [pytest.mark.browser, live_db]

AS_OF = date(2026, 9, 30)
JAKARTA = ZoneInfo("Asia/Jakarta")
DESA_KOTA_KEDIRI_3 = "35.71.02.1001"


@pytest.fixture(autouse=True)
def _seeded_rows(transactional_db):
    for module in SEED_MIGRATIONS:
        if not module.startswith("wilayah."):
            importlib.import_module(module).seed(apps, None)


def family(desa: str, pendamping: Pendamping, *, school: str = SchoolLevel.SD) -> Kpm:
    """An active KPM: a mother and a child at school (one component)."""
    kpm = KpmFactory.create(desa_code=desa, pendamping=pendamping)
    AnggotaFactory(kpm=kpm, pengurus=True, tanggal_lahir=date(1986, 2, 3))
    AnggotaFactory(
        kpm=kpm,
        hubungan=Relationship.CHILD,
        jenis_kelamin=Sex.FEMALE,
        tanggal_lahir=date(2015, 7, 9),
        jenjang_sekolah=school,
    )
    return kpm


def visit(kpm: Kpm, pendamping: Pendamping, day: date) -> None:
    Visit.objects.create(
        kpm=kpm,
        pendamping=pendamping,
        visited_on=day,
        purposes=[VisitPurpose.COMMITMENT],
        created_by=pendamping.user,
    )


def propose(kpm: Kpm, pendamping: Pendamping, kind: str, status: str, month: int) -> None:
    """A proposal submitted early in `month`; an approved one is decided a week later."""
    submitted = datetime(AS_OF.year, month, 3, 10, tzinfo=JAKARTA)
    decided = datetime(AS_OF.year, month, 10, 10, tzinfo=JAKARTA)
    approved = status == ProposalStatus.APPROVED
    if approved:
        kpm.status = KpmStatus.GRADUATED
        kpm.save()
    Proposal.objects.create(
        kpm=kpm,
        pendamping=pendamping,
        type=kind,
        status=status,
        created_by=pendamping.user,
        submitted_at=submitted,
        decided_at=decided if approved or status == ProposalStatus.RETURNED else None,
    )


# Per pendamping: their desa and their approvals this year as type:month.
APPROVALS = {
    "kota": (DESA_KOTA_KEDIRI, "alamiah:1 sejahtera:3 alamiah:4 mandiri:6 sejahtera:8"),
    "kota_lain": (
        DESA_KOTA_KEDIRI_2,
        "sejahtera:2 alamiah:5 alamiah:7 alamiah:7 sejahtera:8 mandiri:9 alamiah:9 sejahtera:9",
    ),
    "kota_baru": (DESA_KOTA_KEDIRI_3, "alamiah:5"),
    "kab": (DESA_KAB_KEDIRI, "alamiah:2 sejahtera:6 alamiah:8"),
}


def richer(world: World) -> None:
    """Caseloads in three kecamatan of Kota Kediri and one of Kabupaten Kediri, graduations
    spread over the year, proposals waiting and one returned; then a nightly run."""
    pendamping = {
        "kota": world.pendamping_kota,
        "kota_lain": world.pendamping_kota_other,
        "kota_baru": make_pendamping("pendamping_kota_baru", "35.71"),
        "kab": world.pendamping_kab,
    }
    for key, (desa, approvals) in APPROVALS.items():
        for approval in approvals.split():
            kind, month = approval.split(":")
            kpm = family(desa, pendamping[key])
            propose(kpm, pendamping[key], kind, ProposalStatus.APPROVED, int(month))
        for i in range(4):
            kpm = family(desa, pendamping[key], school=SchoolLevel.SMP)
            if i % 2:
                visit(kpm, pendamping[key], AS_OF - timedelta(days=3 * i))
    waiting = family(DESA_KOTA_KEDIRI, pendamping["kota"])
    propose(waiting, pendamping["kota"], GraduationType.ALAMIAH, ProposalStatus.SUBMITTED, 9)
    returned = family(DESA_KOTA_KEDIRI_2, pendamping["kota_lain"])
    propose(returned, pendamping["kota_lain"], "sejahtera", ProposalStatus.RETURNED, 9)
    assert pipeline_run(on=AS_OF, trigger=RunTrigger.COMMAND, force=True) is not None


def console_errors(page: Page) -> list[str]:
    """Script errors and console errors from now on (the missing favicon aside)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "favicon" not in message.location.get("url", ""):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def expect_charts_drawn(page: Page, count: int) -> None:
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(count)
    assert page.evaluate("typeof window.Chart") == "function"


def test_ministry_drills_down_and_dinsos_sees_its_kabupaten(page: Page, live_server, world):
    richer(world)
    seen = record_requests(page)
    errors = console_errors(page)
    page.set_viewport_size(PHONE)

    sign_in(page, live_server, "kemensos_pusat")
    page.get_by_role("link", name="Dasbor").click()
    expect(page.locator("h1")).to_have_text("Nasional")
    expect_charts_drawn(page, 3)
    expect(page.get_by_test_id("tile-graduated")).to_contain_text("17 / 40")
    snap(page, "dashboard-nasional")

    page.get_by_test_id("region-table").get_by_role("link", name="JAWA TIMUR").click()
    expect(page.locator("h1")).to_contain_text("JAWA TIMUR")
    page.get_by_test_id("region-table").get_by_role("link", name="KOTA KEDIRI").click()
    expect(page.locator("h1")).to_contain_text("KOTA KEDIRI")
    expect_charts_drawn(page, 3)
    page.get_by_test_id("region-table").get_by_role("link", name="Pesantren").click()
    expect(page.locator("h1")).to_contain_text("Pesantren")
    pendamping_table = page.get_by_test_id("pendamping-table")
    pendamping_table.get_by_role("link", name="Pendamping_Kota_Lain").click()
    expect(page.locator("h1")).to_contain_text("Pendamping_Kota_Lain")
    expect(page.get_by_test_id("tile-graduated")).to_contain_text("8 / 10")
    expect_charts_drawn(page, 2)  # one person: no histogram
    sign_out(page)

    sign_in(page, live_server, "dinsos_kota")
    page.get_by_role("link", name="Dasbor").click()
    expect(page.locator("h1")).to_contain_text("KOTA KEDIRI")
    expect(page.get_by_test_id("report-link")).to_be_visible()
    rows = page.get_by_test_id("pendamping-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Belum sesuai jadwal")  # behind schedule first
    expect_charts_drawn(page, 3)
    snap(page, "dashboard-kabupaten")

    assert errors == []
    assert outside(seen) == []
