"""The dashboard pages: who may open which area, that the numbers on screen are the nightly
summary's, that the region and pendamping tables sort, filter and page, that the page reads
without JavaScript, and that the query count does not follow the number of rows."""

from __future__ import annotations

import re
from datetime import date, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from graduasi.models import (
    GraduationType,
    PipelineRun,
    Proposal,
    ProposalStatus,
    RegionLevel,
    RegionSummary,
    RunTrigger,
)
from graduasi.pipeline import pipeline_run
from kpm.models import Kpm, KpmStatus
from pendamping.models import Pendamping
from pengguna.templatetags.humanize_id import angka
from tests.conftest import DESA_KOTA_KEDIRI_2, World, make_pendamping
from tests.factories import KpmFactory
from wilayah.models import Desa

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 3, 15)  # two approvals by mid-March are on track for a target of 10
JAKARTA = ZoneInfo("Asia/Jakarta")
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}


# --- helpers -------------------------------------------------------------------------------


class _Texts(HTMLParser):
    """The text inside each element carrying data-testid=<testid>, in page order."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.depth = testid, 0
        self.found: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("data-testid") == self.testid:
            self.depth, self.parts = 1, []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not self.depth:
            return
        self.depth -= 1
        if not self.depth:
            self.found.append(" ".join(" ".join(self.parts).split()))

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def texts(response, testid: str) -> list[str]:
    parser = _Texts(testid)
    parser.feed(response.content.decode())
    return parser.found


def text(response, testid: str) -> str:
    found = texts(response, testid)
    assert len(found) == 1, f"{testid}: {len(found)} elements"
    return found[0]


def first_cells(response, testid: str) -> list[str]:
    """The first cell (the linked name) of each row with data-testid=<testid>."""
    rows = re.findall(
        rf'data-testid="{testid}">\s*<th scope="row"><a href="[^"]*">([^<]*)</a>',
        response.content.decode(),
    )
    return rows


def run_pipeline() -> PipelineRun:
    run = pipeline_run(on=AS_OF, trigger=RunTrigger.COMMAND, force=True)
    assert run is not None
    return run


def approve(kpm: Kpm, pendamping: Pendamping, day: date) -> None:
    """An approved graduation decided on `day` (noon, Jakarta)."""
    decided = datetime(day.year, day.month, day.day, 12, tzinfo=JAKARTA)
    kpm.status = KpmStatus.GRADUATED
    kpm.save()
    Proposal.objects.create(
        kpm=kpm,
        pendamping=pendamping,
        type=GraduationType.ALAMIAH,
        status=ProposalStatus.APPROVED,
        created_by=pendamping.user,
        submitted_at=decided,
        decided_at=decided,
    )


@pytest.fixture
def counted(world: World) -> World:
    """The world with Kota Kediri's other pendamping on track (two approvals by mid-March),
    its own pendamping behind, a larger second kecamatan, and one nightly run."""
    other = world.pendamping_kota_other
    for day in (date(2026, 1, 20), date(2026, 3, 2)):
        approve(KpmFactory.create(desa_code=DESA_KOTA_KEDIRI_2, pendamping=other), other, day)
    for _ in range(3):
        KpmFactory.create(desa_code=DESA_KOTA_KEDIRI_2, pendamping=other)
    run_pipeline()
    return world


def region_url(code: str) -> str:
    return reverse("dasbor:region", args=[code])


def pendamping_url(pendamping: Pendamping) -> str:
    return reverse("dasbor:pendamping", args=[pendamping.pk])


def summary(level: str, code: str = "", pendamping: Pendamping | None = None) -> RegionSummary:
    return RegionSummary.objects.get(
        level=level, region_code=code, pendamping=pendamping, year=AS_OF.year
    )


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "where"),
    [
        ("dinsos_kota", "/dasbor/wilayah/35.71/"),
        ("dinsos_kab", "/dasbor/wilayah/35.06/"),
        ("kementerian_jatim", "/dasbor/wilayah/35/"),
        ("kementerian_national", "/dasbor/nasional/"),
        ("admin", "/dasbor/nasional/"),
    ],
)
def test_the_dashboard_opens_on_the_users_own_area(client, world, persona, where):
    client.force_login(getattr(world, persona))

    response = client.get(reverse("dasbor:home"))

    assert response.status_code == 302
    assert response["Location"] == where


@pytest.mark.parametrize("persona", ["pendamping_kota", "agency"])
def test_pendamping_and_agencies_are_refused_every_dashboard(client, world, persona):
    user = getattr(world, persona)
    client.force_login(user.user if isinstance(user, Pendamping) else user)
    run = run_pipeline()

    urls = [
        reverse("dasbor:home"),
        reverse("dasbor:nation"),
        region_url("35.71"),
        pendamping_url(world.pendamping_kota),
    ]
    assert [client.get(url).status_code for url in urls] == [403, 403, 403, 403]
    assert client.get(reverse("dasbor:run", args=[run.pk])).status_code == 404


# (persona, area, expected status); an area is a region code, "" for the nation, or
# "p:<pendamping attribute of the world>".
ACCESS = [
    ("dinsos_kota", "35.71", 200),
    ("dinsos_kota", "35.71.01", 200),
    ("dinsos_kota", "p:pendamping_kota", 200),
    ("dinsos_kota", "35.06", 404),
    ("dinsos_kota", "35.06.01", 404),
    ("dinsos_kota", "35", 404),
    ("dinsos_kota", "", 404),
    ("dinsos_kota", "p:pendamping_kab", 404),
    ("kementerian_jatim", "35", 200),
    ("kementerian_jatim", "35.06", 200),
    ("kementerian_jatim", "p:pendamping_kab", 200),
    ("kementerian_jatim", "32", 404),
    ("kementerian_jatim", "", 404),
    ("kementerian_jabar", "35", 404),
    ("kementerian_jabar", "p:pendamping_kota", 404),
    ("kementerian_national", "", 200),
    ("kementerian_national", "35", 200),
    ("kementerian_national", "35.71.01", 200),
    ("kementerian_national", "32", 200),
    ("kementerian_national", "p:pendamping_kab", 200),
    ("admin", "", 200),
    ("admin", "p:pendamping_kota", 200),
]


@pytest.mark.parametrize(("persona", "area", "status"), ACCESS)
def test_each_role_opens_its_own_scope_and_nothing_else(client, counted, persona, area, status):
    client.force_login(getattr(counted, persona))
    if area.startswith("p:"):
        url = pendamping_url(getattr(counted, area.removeprefix("p:")))
    else:
        url = region_url(area) if area else reverse("dasbor:nation")

    assert client.get(url).status_code == status


def test_a_region_that_does_not_exist_is_404(client, counted):
    client.force_login(counted.kementerian_national)

    assert client.get(region_url("35.99")).status_code == 404
    assert client.get(reverse("dasbor:pendamping", args=[999_999])).status_code == 404


# --- the numbers --------------------------------------------------------------------------


def test_the_tiles_show_the_kabupaten_summary_row(client, counted):
    client.force_login(counted.dinsos_kota)

    response = client.get(region_url("35.71"))

    row = summary(RegionLevel.KABUPATEN, "35.71")
    assert (row.active_kpm, row.approved, row.target) == (5, 2, 20)
    assert (row.pendamping_count, row.pendamping_on_track) == (2, 1)
    assert text(response, "tile-active") == f"KPM aktif {angka(row.active_kpm)}"
    graduated = text(response, "tile-graduated")
    assert graduated.startswith("Graduasi disetujui tahun ini 2 / 20 10,0% dari target")
    assert text(response, "tile-on-track") == (
        "Pendamping sesuai jadwal 50,0% 1 dari 2 pendamping aktif"
    )
    assert text(response, "tile-candidates").startswith(
        f"Calon graduasi tanpa usulan {row.candidates}"
    )
    assert text(response, "tile-at-risk") == (
        f"Graduasi berisiko kembali miskin {row.at_risk} dari {row.graduated} KPM graduasi"
    )
    assert text(response, "tile-pending").startswith(f"Usulan menunggu keputusan {row.awaiting}")


def test_a_pendamping_page_shows_their_own_row_and_no_tables_of_others(client, counted):
    other = counted.pendamping_kota_other
    client.force_login(counted.dinsos_kota)

    response = client.get(pendamping_url(other))

    row = summary(RegionLevel.PENDAMPING, "35.71", other)
    assert text(response, "tile-active") == f"KPM aktif {row.active_kpm}"
    assert text(response, "tile-graduated").startswith("Graduasi disetujui tahun ini 2 / 10")
    assert text(response, "tile-on-track") == "Jadwal target Sesuai jadwal"
    assert texts(response, "region-table") == []
    assert texts(response, "pendamping-table") == []
    assert texts(response, "chart-sebaran") == []  # no histogram for one person
    assert text(response, "breadcrumbs") == "KOTA KEDIRI Pendamping_Kota_Lain"


def test_the_breadcrumbs_stop_at_the_users_scope(client, counted):
    client.force_login(counted.dinsos_kota)

    response = client.get(region_url("35.71.03"))

    assert text(response, "breadcrumbs") == "KOTA KEDIRI Pesantren"
    client.force_login(counted.kementerian_national)
    response = client.get(region_url("35.71.03"))
    assert text(response, "breadcrumbs") == "Nasional JAWA TIMUR KOTA KEDIRI Pesantren"


def test_the_as_of_line_links_to_the_run_record(client, counted):
    run = PipelineRun.objects.get()
    client.force_login(counted.dinsos_kota)

    response = client.get(region_url("35.71"))

    assert "proses malam per 15-03-2026" in text(response, "as-of")
    assert f'href="{reverse("dasbor:run", args=[run.pk])}"' in response.content.decode()
    record = client.get(reverse("dasbor:run", args=[run.pk]))
    assert record.status_code == 200
    assert "Selesai" in text(record, "run-status")
    counts = text(record, "run-counts")
    assert f"KPM diases {run.assessed}" in counts
    assert run.assessed == Kpm.objects.filter(status=KpmStatus.ACTIVE).count()


def test_without_a_nightly_run_the_page_says_so(client, world):
    client.force_login(world.dinsos_kota)

    response = client.get(region_url("35.71"))

    assert response.status_code == 200
    assert text(response, "no-run") == (
        "Belum ada proses malam; angka muncul setelah proses pertama."
    )
    assert texts(response, "tiles") == []
    assert b"chart.umd.min.js" not in response.content


def test_an_area_the_run_did_not_count_says_so(client, counted):
    client.force_login(counted.kementerian_national)

    response = client.get(region_url("32"))  # Jawa Barat: no KPM in this world

    assert response.status_code == 200
    assert "belum mencatat angka" in text(response, "no-numbers")


# --- readable without JavaScript ---------------------------------------------------------


def test_every_chart_has_its_numbers_as_a_table_and_no_inline_code(client, counted):
    client.force_login(counted.dinsos_kota)

    response = client.get(region_url("35.71"))

    html = response.content.decode()
    months = text(response, "table-bulanan")
    assert "Januari 1 0 0 1 0" in months and "Maret 1 0 0 1 0" in months
    assert "Februari 0 0 0 0 0" in months
    histogram = text(response, "table-sebaran")
    assert "0 1" in histogram and "2 1" in histogram  # one pendamping with none, one with two
    assert texts(response, "table-tahap")
    for key in ("bulanan", "sebaran", "tahap"):
        assert f'<script id="data-{key}" type="application/json">' in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "vendor/chart.umd.min.js" in html and "js/dashboard.js" in html


def test_chartjs_is_loaded_on_dashboard_pages_only(client, counted):
    client.force_login(counted.dinsos_kota)

    assert b"chart.umd.min.js" not in client.get(reverse("home")).content
    assert b"chart.umd.min.js" in client.get(region_url("35.71")).content


def test_the_menu_links_the_dashboard_for_dashboard_roles_only(client, counted):
    link = f'href="{reverse("dasbor:home")}"'.encode()
    client.force_login(counted.dinsos_kota)
    assert link in client.get(reverse("home")).content
    client.force_login(counted.pendamping_kota.user)
    assert link not in client.get(reverse("home")).content


# --- the region and pendamping tables -----------------------------------------------------


def test_the_region_table_lists_children_linked_and_sorts_by_its_headers(client, counted):
    client.force_login(counted.dinsos_kota)

    by_name = client.get(region_url("35.71"))
    by_active = client.get(region_url("35.71") + "?urut=-aktif")

    assert first_cells(by_name, "region-row") == ["Mojoroto", "Pesantren"]
    assert first_cells(by_active, "region-row") == ["Pesantren", "Mojoroto"]
    html = by_active.content.decode()
    assert f'<a href="{region_url("35.71.03")}">Pesantren</a>' in html
    assert 'aria-sort="descending"><a href="?urut=aktif#wilayah"' in html
    # sorting the region table keeps the pendamping table's own order: behind schedule first
    assert first_cells(by_active, "pendamping-row") == first_cells(by_name, "pendamping-row")


def test_the_pendamping_table_puts_those_behind_schedule_first(client, counted):
    client.force_login(counted.dinsos_kota)

    response = client.get(region_url("35.71"))

    rows = texts(response, "pendamping-row")
    assert rows[0].startswith("Pendamping_Kota ") and "Belum sesuai jadwal" in rows[0]
    assert rows[1].startswith("Pendamping_Kota_Lain ") and "Sesuai jadwal" in rows[1]
    assert f'href="{pendamping_url(counted.pendamping_kota)}"' in response.content.decode()
    headers = [h.label for h in response.context["pendamping"]["headers"]]
    assert headers == [
        "Pendamping", "KPM aktif", "Graduasi tahun ini", "Target", "Capaian (%)",
        "Sesuai jadwal", "Calon tanpa usulan", "Usulan menunggu keputusan",
        "Berisiko kembali miskin", "KPM dikunjungi 30 hari (%)",
    ]  # fmt: skip


def test_an_inactive_pendamping_with_families_is_shown_inactive_not_behind(client, world):
    gone = world.pendamping_kota_other
    gone.is_active = False
    gone.save()
    run_pipeline()
    client.force_login(world.dinsos_kota)

    everyone = texts(client.get(region_url("35.71")), "pendamping-row")
    behind = client.get(region_url("35.71") + "?tertinggal=1")

    gone_row = next(row for row in everyone if row.startswith("Pendamping_Kota_Lain "))
    assert "Tidak aktif" in gone_row and "sesuai jadwal" not in gone_row
    assert first_cells(behind, "pendamping-row") == ["Pendamping_Kota"]


def test_the_pendamping_table_sorts_and_filters(client, counted):
    client.force_login(counted.dinsos_kota)
    url = region_url("35.71")

    by_graduations = client.get(url + "?urut_pendamping=-graduasi")
    behind = client.get(url + "?tertinggal=1&urut_pendamping=-aktif")

    assert first_cells(by_graduations, "pendamping-row") == [
        "Pendamping_Kota_Lain",
        "Pendamping_Kota",
    ]
    assert first_cells(behind, "pendamping-row") == ["Pendamping_Kota"]
    assert text(behind, "pendamping-total") == "1 pendamping belum sesuai jadwal"
    html = behind.content.decode()
    export = reverse("dasbor:export", kwargs={"table": "pendamping", "fmt": "csv"})
    assert f'href="{export}?wilayah=35.71&amp;urut=-aktif&amp;tertinggal=1"' in html
    assert f'href="{reverse("dasbor:report", args=["35.71"])}"' in html


def test_a_kecamatan_lists_its_pendamping_and_has_no_region_table(client, counted):
    client.force_login(counted.dinsos_kota)

    response = client.get(region_url("35.71.03"))

    assert texts(response, "region-table") == []
    assert first_cells(response, "pendamping-row") == ["Pendamping_Kota_Lain"]
    assert texts(response, "report-link") == []


def test_the_pendamping_table_pages_by_fifty(client, world):
    desa = Desa.objects.filter(code__startswith="35.06.").values_list("code", flat=True)[0]
    for i in range(52):
        helper = make_pendamping(f"pendamping_extra_{i:02d}", "35.06")
        KpmFactory.create(desa_code=desa, pendamping=helper)
    run_pipeline()
    client.force_login(world.dinsos_kab)

    first = client.get(region_url("35.06"))
    second = client.get(region_url("35.06") + "?halaman=2")

    assert len(texts(first, "pendamping-row")) == 50
    assert len(texts(second, "pendamping-row")) == 3  # 52 + the world's pendamping_kab
    assert "halaman 1 dari 2" in text(first, "pendamping-total")
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' in second.content.decode()


# --- query counts -------------------------------------------------------------------------


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def widen(world: World) -> None:
    """More pendamping, kecamatan, kabupaten and provinsi with KPM."""
    desas = [
        Desa.objects.filter(code__startswith=prefix).values_list("code", flat=True)[0]
        for prefix in ("35.71.02.", "35.06.02.", "35.72.", "35.73.", "32.01.", "33.01.")
    ]
    for i, desa in enumerate(desas):
        helper = make_pendamping(f"pendamping_lebar_{i}", desa[:5])
        for _ in range(2):
            KpmFactory.create(desa_code=desa, pendamping=helper)
    run_pipeline()


@pytest.mark.parametrize("where", ["", "35.71"])
def test_the_query_count_does_not_follow_the_rows(
    client, world, where, django_assert_max_num_queries
):
    client.force_login(world.kementerian_national)
    url = region_url(where) if where else reverse("dasbor:nation")
    run_pipeline()
    with django_assert_max_num_queries(15):
        few = queries(client, url)

    widen(world)
    many = queries(client, url)

    rows = RegionSummary.objects.filter(level=RegionLevel.PENDAMPING).count()
    assert rows >= 9
    assert many == few


def test_every_download_link_answers_and_the_pendamping_file_follows_the_page(client, counted):
    client.force_login(counted.dinsos_kota)
    page = client.get(region_url("35.71") + "?urut_pendamping=-graduasi")
    html = page.content.decode()

    links = {
        link.replace("&amp;", "&")
        for link in re.findall(r'href="(/dasbor/(?:ekspor|laporan)/[^"]*)"', html)
    }
    assert len(links) == 13  # six tables in two formats, and the monthly report
    assert {link: client.get(link).status_code for link in links} == dict.fromkeys(links, 200)
    export = reverse("dasbor:export", kwargs={"table": "pendamping", "fmt": "csv"})
    csv = b"".join(client.get(f"{export}?wilayah=35.71&urut=-graduasi").streaming_content)
    names = [line.split(",")[1] for line in csv.decode("utf-8-sig").splitlines()[1:]]
    assert names == first_cells(page, "pendamping-row")
