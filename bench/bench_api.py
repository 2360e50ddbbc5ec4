"""The agencies' graduation feed (/api/v1/graduations/) and its streaming exports on
bench_graduasi's fixture of --kpm KPM over Jawa Timur (1,000,000 by default), a tenth of them
graduated (100,000): graduation dates over 2025-2026, the three graduation types, the last tahap
paid, and referrals to the seeded programmes for about three in ten. One agency client holds a
national agreement sharing every field.

Server time through Django's full request path in-process (the test Client's WSGI handler:
key authentication, throttle, the query, rendering, the access-log row), median and p95 of
REPEATS requests after a warm-up:
- the first page of 500, and the page at 90% of the feed's order (updated_at, id), reached
  through the cursors of one walk over the feed;
- a full pull in pages of 1000, rows/s;
- the NDJSON and CSV exports, rows/s, the time to the first block of records, and peak memory
  streaming 10,000 against 100,000 rows (a second client whose agreement covers a few
  kabupaten holds the smaller set).

Baseline, same run: the plain DRF way to the same records: a ModelSerializer with nested
serializers for the regions and members and referrals prefetched, under PageNumberPagination
of 500 (a COUNT per page and a growing OFFSET), mounted by this module's own urlconf for the
run: page 1, the page at 90% depth, and a full pull.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.test import Client, override_settings
from django.urls import path
from rest_framework import generics, pagination, serializers

from bench.bench_graduasi import fixture, say
from bench.common import Measurement, timer, timings
from config.api import IsAgencyClient
from kpm.models import Anggota, Kpm, KpmStatus
from pemberdayaan.models import Referral
from wilayah.models import Desa

if TYPE_CHECKING:
    from argparse import Namespace

    from pengguna.models import ApiClient

GRADUATED_SHARE = 10  # one KPM in ten is graduated: 100,000 of 1,000,000
PAGE, FULL_PAGE = 500, 1000
REPEATS, WARM_UP, FULL_PULLS, SQL_RUNS = 50, 3, 3, 10
SMALL_EXPORT = 10_000  # the smaller export's size, roughly: whole kabupaten are added up to it
FEED, BASELINE = "/api/v1/graduations/", "/bench/baseline/graduations/"
TARGET_FIRST_MS, TARGET_DEPTH_RATIO, TARGET_EXPORT_ROWS_S = 25.0, 1.2, 100_000.0
ALL_FIELDS = (
    "nik", "nama_pengurus", "jumlah_anggota", "alamat", "desil", "tahap_terakhir", "rujukan",
)  # fmt: skip

# Which KPM graduate: those seed_demo graduated, then active ones in a fixed scrambled order,
# each with a number `h` the rest of the fixture draws from. Graduated on a day of 2025-01-01
# to 2026-11-23 (the seed's "today" is 2026-11-24); the last tahap paid is the one of that day.
GRADUATES_SQL = """
DROP TABLE IF EXISTS bench_graduate;
CREATE TABLE bench_graduate AS
SELECT id, h, DATE '2025-01-01' + (h %% 692)::int AS graduated_on,
    (DATE '2025-01-01' + (h %% 692)::int + (h %% 86400) * interval '1 second')
        AT TIME ZONE 'Asia/Jakarta' AS graduated_at
FROM (SELECT id, status, (id * 2654435761) %% 4294967291 AS h FROM kpm_kpm
      WHERE status IN ('aktif', 'graduasi')) k
ORDER BY status = 'graduasi' DESC, h LIMIT %(n)s;
"""
GRADUATE_SQL = """
UPDATE kpm_kpm k SET status = 'graduasi', graduated_on = g.graduated_on,
    graduation_type = CASE WHEN g.h %% 10 < 5 THEN 'sejahtera'
                           WHEN g.h %% 10 < 8 THEN 'alamiah' ELSE 'mandiri' END,
    last_paid_year = extract(year FROM g.graduated_on),
    last_paid_tahap = extract(quarter FROM g.graduated_on)
FROM bench_graduate g WHERE g.id = k.id
"""
# Three in ten get a referral ten days after graduating, one in ten of them a second one.
REFERRALS_SQL = """
WITH programme AS (
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS total
    FROM pemberdayaan_programme
), officer AS (SELECT min(id) AS id FROM pengguna_user)
INSERT INTO pemberdayaan_referral
    (kpm_id, programme_id, status, consent_on, consent_by_id, note, created_by_id, created_at,
     status_changed_at, updated_at)
SELECT g.id, p.id,
    (ARRAY['dirujuk', 'diterima', 'berjalan', 'ditolak', 'selesai'])[1 + (g.h / 7) %% 5],
    g.graduated_on + 10, o.id, '', o.id, g.graduated_at + interval '10 days',
    g.graduated_at + interval '10 days', g.graduated_at + interval '10 days'
FROM bench_graduate g CROSS JOIN officer o JOIN programme p
  ON p.n = (g.h / 10) %% p.total OR (g.h %% 10 = 0 AND p.n = (g.h / 10 + 1) %% p.total)
WHERE g.h %% 10 < 3
"""
# The feed's order: a graduated KPM last changed when it graduated (at some second of that day
# in Jakarta), or when its referral last changed. Set explicitly, so the triggers that stamp now()
# leave it alone, and the feed is spread over two years as a real one would be.
STAMP_SQL = """
UPDATE kpm_kpm k SET updated_at = coalesce(r.changed, g.graduated_at)
FROM bench_graduate g
LEFT JOIN (SELECT kpm_id, max(status_changed_at) AS changed FROM pemberdayaan_referral
           GROUP BY kpm_id) r ON r.kpm_id = g.id
WHERE g.id = k.id
"""


# Tables whose triggers keep the feed (graduasi 0012, kpm 0008, pemberdayaan 0004). seed_demo
# loads with its indexes dropped, where the feed's refresh after each COPY reads the members
# without an index: the fixture is loaded with those triggers off and the feed made once after.
FEED_TRIGGER_TABLES = ("kpm_kpm", "kpm_anggota", "pemberdayaan_referral")


def seeded_fixture(kpm: int) -> None:
    """bench_graduasi's fixture, with the feed's triggers off while seed_demo loads it, then
    the feed rows of the KPM it graduated made in one statement."""
    from django.db import connection

    def triggers(state: str) -> None:
        with connection.cursor() as cursor:
            for table in FEED_TRIGGER_TABLES:
                cursor.execute(f"ALTER TABLE {table} {state} TRIGGER USER")

    triggers("DISABLE")
    try:
        fixture(kpm)
    finally:
        triggers("ENABLE")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT graduation_feed_refresh(ARRAY(SELECT id FROM kpm_kpm"
            " WHERE status = 'graduasi'))"
        )


def graduate(count: int) -> dict[str, int]:
    """Graduate `count` KPM of the seeded fixture (see the SQL above), then VACUUM ANALYZE."""
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(GRADUATES_SQL, {"n": count})
        cursor.execute(GRADUATE_SQL, {})
        counts["graduated"] = cursor.rowcount
        cursor.execute(REFERRALS_SQL, {})
        counts["referrals"] = cursor.rowcount
        cursor.execute(STAMP_SQL, {})
        cursor.execute("DROP TABLE bench_graduate")
        for table in ("kpm_kpm", "pemberdayaan_referral", "kpm_anggota", "graduasi_graduationfeed"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return counts


def api_client(name: str, regions: list[str]) -> tuple[ApiClient, str]:
    """An agency client with every field, all programmes, no practical rate limit, one key."""
    from pemberdayaan.models import Programme
    from pengguna.api_clients import api_client_create, api_key_issue

    client = api_client_create(
        by=None,
        name=name,
        agency="Lembaga Uji",
        agreement_number=f"PKS-{name}/2026",
        purpose="Uji kinerja API graduasi",
        expires_on=date(2099, 12, 31),
        fields=ALL_FIELDS,
        region_codes=regions,
        programmes=Programme.objects.all(),
        rate_per_minute=10_000_000,
    )
    _key, raw = api_key_issue(by=None, client=client)
    return client, raw


def small_regions(limit: int) -> tuple[list[str], int]:
    """Whole kabupaten, fewest graduates first, until they hold about `limit` graduated KPM."""
    from django.db.models import Count

    per_kabupaten = (
        Kpm.objects.filter(status=KpmStatus.GRADUATED)
        .values("kabupaten_code")
        .annotate(n=Count("id"))
        .order_by("n", "kabupaten_code")
        .values_list("kabupaten_code", "n")
    )
    chosen, total = [], 0
    for code, n in per_kabupaten:
        if total >= limit:
            break
        chosen.append(code)
        total += n
    return chosen, total


# The baseline: the plain DRF way ---------------------------------------------------------


class BaselineDesaSerializer(serializers.ModelSerializer):
    kecamatan = serializers.CharField(source="kecamatan.name")
    kecamatan_code = serializers.CharField(source="kecamatan.code")
    kabupaten = serializers.CharField(source="kecamatan.kabupaten.name")
    kabupaten_code = serializers.CharField(source="kecamatan.kabupaten.code")
    provinsi = serializers.CharField(source="kecamatan.kabupaten.provinsi.name")
    provinsi_code = serializers.CharField(source="kecamatan.kabupaten.provinsi.code")

    class Meta:
        model = Desa
        fields = [
            "code", "name", "kecamatan_code", "kecamatan", "kabupaten_code", "kabupaten",
            "provinsi_code", "provinsi",
        ]  # fmt: skip


class BaselineReferralSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.code")
    agency = serializers.CharField(source="programme.agency")

    class Meta:
        model = Referral
        fields = ["id", "programme", "agency", "status", "status_changed_at"]


class BaselineGraduationSerializer(serializers.ModelSerializer):
    wilayah = BaselineDesaSerializer(source="desa")
    member_count = serializers.SerializerMethodField()
    pengurus_name = serializers.SerializerMethodField()
    pengurus_nik = serializers.SerializerMethodField()
    referrals = BaselineReferralSerializer(many=True)

    class Meta:
        model = Kpm
        fields = [
            "kpm_id", "graduated_on", "graduation_type", "updated_at", "wilayah", "alamat",
            "member_count", "pengurus_name", "pengurus_nik", "desil", "last_paid_year",
            "last_paid_tahap", "referrals",
        ]  # fmt: skip

    def get_member_count(self, kpm: Kpm) -> int:
        return sum(1 for a in kpm.anggota.all() if a.status == "aktif")

    def _pengurus(self, kpm: Kpm) -> Anggota | None:
        return next((a for a in kpm.anggota.all() if a.is_pengurus), None)

    def get_pengurus_name(self, kpm: Kpm) -> str | None:
        pengurus = self._pengurus(kpm)
        return pengurus.nama if pengurus else None

    def get_pengurus_nik(self, kpm: Kpm) -> str | None:
        pengurus = self._pengurus(kpm)
        return pengurus.nik if pengurus else None


class BaselinePagination(pagination.PageNumberPagination):
    page_size = PAGE


class BaselineGraduations(generics.ListAPIView):
    """The graduated KPM, oldest change first, as a DRF tutorial would serve them."""

    serializer_class = BaselineGraduationSerializer
    pagination_class = BaselinePagination
    permission_classes = [IsAgencyClient]

    def get_queryset(self) -> QuerySet[Kpm]:
        return (
            Kpm.objects.filter(status=KpmStatus.GRADUATED)
            .select_related("desa__kecamatan__kabupaten__provinsi")
            .prefetch_related("anggota", "referrals__programme")
            .order_by("updated_at", "id")
        )


def _project_urls() -> list[Any]:
    from config.urls import urlpatterns as project

    return [path("bench/baseline/graduations/", BaselineGraduations.as_view()), *project]


# This module is the urlconf for the run: the project's routes and the baseline's.
urlpatterns = _project_urls()


# Measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    median: float
    p95: float
    queries: int
    sql: float  # median milliseconds of a request spent in its queries, as Django times them

    def __str__(self) -> str:
        return (
            f"median {self.median:,.1f} ms, p95 {self.p95:,.1f} ms, {self.queries} queries "
            f"taking {self.sql:,.1f} ms"
        )


@dataclass(frozen=True)
class Export:
    rows: int
    seconds: float
    first_block: float  # seconds from the request to the first block of records
    traced_peak: int  # bytes, tracemalloc, while streaming
    rss_peak: int  # bytes the process's resident set grew by while streaming

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


class Caller:
    """A test Client signing every request with one key."""

    def __init__(self, raw_key: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw_key}"}

    def get(self, url: str) -> Any:
        response = self.client.get(url, headers=self.headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    def json(self, url: str) -> dict[str, Any]:
        return self.get(url).json()

    def stream(self, url: str) -> Iterator[bytes]:
        response = self.get(url)
        assert response.streaming, url
        return iter(response.streaming_content)


def measured(call: Callable[[int], object]) -> Timing:
    """Median and p95 of REPEATS calls after WARM_UP, then the median time in SQL of SQL_RUNS
    more (apart, as capturing the queries costs time of its own)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(WARM_UP):
        call(i)
    median, p95, queries = timings(call, repeats=REPEATS)
    sql = []
    for i in range(SQL_RUNS):
        with CaptureQueriesContext(connection) as captured:
            call(i)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return Timing(median, p95, queries, statistics.median(sql))


def relative(url: str) -> str:
    """A next link as the test Client takes it: path and query."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def walk(caller: Caller, url: str) -> tuple[int, list[str]]:
    """Every page from `url` on by the next links: rows seen and each page's URL in order."""
    rows, urls, current = 0, [], url
    while current:
        urls.append(current)
        body = caller.json(current)
        rows += len(body["results"])
        current = relative(body["next"]) if body.get("next") else ""
    return rows, urls


def pull_rate(caller: Caller, url: str, passes: int) -> tuple[float, int, int]:
    """Median rows/s of `passes` full pulls from `url`; rows and pages of one."""
    rates, rows, pages = [], 0, 0
    for _ in range(passes):
        with timer() as elapsed:
            rows, urls = walk(caller, url)
        rates.append(rows / elapsed[0])
        pages = len(urls)
    return statistics.median(rates), rows, pages


def rss() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def export(caller: Caller, url: str, *, header_lines: int, traced: bool) -> Export:
    """Stream an export to the end, counting its lines; with `traced`, under tracemalloc and
    sampling the resident set after every chunk (a block of rows)."""
    gc.collect()
    start_rss = peak_rss = rss()
    if traced:
        tracemalloc.start()
    lines, first_block = 0, 0.0
    started = time.perf_counter()
    for chunk in caller.stream(url):
        lines += chunk.count(b"\n")
        if not first_block and lines > header_lines:
            first_block = time.perf_counter() - started
        if traced:
            peak_rss = max(peak_rss, rss())
    seconds = time.perf_counter() - started
    traced_peak = 0
    if traced:
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        peak_rss = max(peak_rss, rss())
    return Export(lines - header_lines, seconds, first_block, traced_peak, peak_rss - start_rss)


def export_runs(full: Caller, small: Caller, suffix: str, header: int) -> dict[str, Export]:
    """An export's rate (best of three untraced runs of the full set) and its memory for the
    small and full set (traced runs)."""
    url = f"{FEED}export.{suffix}"
    runs = [export(full, url, header_lines=header, traced=False) for _ in range(3)]
    return {
        "rate": max(runs, key=lambda e: e.rate),
        "small": export(small, url, header_lines=header, traced=True),
        "full": export(full, url, header_lines=header, traced=True),
    }


# The run -----------------------------------------------------------------------------------


@dataclass
class Results:
    kpm: int
    graduated: int
    referrals: int
    feed_first: Timing
    feed_deep: Timing
    feed_pages: int
    full_rate: float
    full_rows: int
    full_pages: int
    base_first: Timing
    base_deep: Timing
    base_pages: int
    base_rate: float
    base_rows: int
    exports: dict[str, dict[str, Export]]
    small_regions: list[str]
    server: str  # the PostgreSQL settings that bear on these numbers


def server_settings() -> str:
    from django.db import connection

    shown = []
    with connection.cursor() as cursor:
        for name in ("shared_buffers", "work_mem", "jit"):
            cursor.execute(f"SHOW {name}")
            shown.append(f"{name} {cursor.fetchone()[0]}")
    return ", ".join(shown)


def at_depth(urls: list[str]) -> tuple[str, int]:
    """The page holding the row at 90% of the order, and its index from 0."""
    index = min(len(urls) - 1, int(len(urls) * 0.9))
    return urls[index], index


def full_run(options: Namespace) -> Results:
    from django.db import connection

    with timer() as seeding:
        seeded_fixture(options.kpm)
    say(f"fixture {seeding[0]:.1f} s")
    with timer() as elapsed:
        counts = graduate(options.kpm // GRADUATED_SHARE)
    say(f"{counts['graduated']:,} graduated, {counts['referrals']:,} referrals, {elapsed[0]:.1f} s")
    _client, raw = api_client("bench-nasional", [])
    regions, expected_small = small_regions(SMALL_EXPORT)
    _small_client, small_raw = api_client("bench-kabupaten", regions)
    caller, small_caller = Caller(raw), Caller(small_raw)
    say(f"smaller agreement: {', '.join(regions)} ({expected_small:,} graduated)")

    # As config/wsgi.py does once a server process has loaded the project.
    gc.collect()
    gc.freeze()
    first = f"{FEED}?page_size={PAGE}"
    rows, urls = walk(caller, first)
    assert rows == counts["graduated"], (rows, counts)
    deep, index = at_depth(urls)
    feed_first = measured(lambda _i: caller.get(first))
    feed_deep = measured(lambda _i: caller.get(deep))
    say(f"feed: first {feed_first}; page {index + 1} of {len(urls)}: {feed_deep}")
    full_url = f"{FEED}?page_size={FULL_PAGE}"
    full_rate, full_rows, full_pages = pull_rate(caller, full_url, FULL_PULLS)
    say(f"feed: full pull {full_rate:,.0f} rows/s ({full_rows:,} rows, {full_pages} pages)")

    exports = {
        "ndjson": export_runs(caller, small_caller, "ndjson", 0),
        "csv": export_runs(caller, small_caller, "csv", 1),
    }
    for kind, runs in exports.items():
        say(f"{kind}: " + ", ".join(f"{k} {v}" for k, v in runs.items()))
        sizes = (runs["rate"].rows, runs["full"].rows, runs["small"].rows)
        assert sizes == (rows, rows, expected_small), (kind, sizes)

    with override_settings(ROOT_URLCONF=__name__):
        base_rows, base_urls = walk(caller, BASELINE)
        assert base_rows == counts["graduated"], (base_rows, counts)
        base_deep_url, base_index = at_depth(base_urls)
        base_first = measured(lambda _i: caller.get(BASELINE))
        base_deep = measured(lambda _i: caller.get(base_deep_url))
        say(f"baseline: first {base_first}; page {base_index + 1}: {base_deep}")
        base_rate, base_rows, _pages = pull_rate(caller, BASELINE, 1)
        say(f"baseline: full pull {base_rate:,.0f} rows/s")
    connection.close()
    return Results(
        kpm=options.kpm, graduated=counts["graduated"], referrals=counts["referrals"],
        feed_first=feed_first, feed_deep=feed_deep, feed_pages=len(urls), full_rate=full_rate,
        full_rows=full_rows, full_pages=full_pages, base_first=base_first, base_deep=base_deep,
        base_pages=len(base_urls), base_rate=base_rate, base_rows=base_rows, exports=exports,
        small_regions=regions, server=server_settings(),
    )  # fmt: skip


def verdict(met: bool) -> str:
    return "met" if met else "not met"


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MiB"


def measurements(r: Results) -> list[Measurement]:
    size = f"{r.graduated:,} graduated of {r.kpm:,} KPM"
    ratio = r.feed_deep.median / r.feed_first.median
    p95_ratio = r.feed_deep.p95 / r.feed_first.p95
    base_ratio = r.base_deep.median / r.base_first.median
    rows = [
        Measurement(
            name=f"GET /api/v1/graduations/?page_size={PAGE}, first page, {size}, "
            f"median of {REPEATS}",
            value=r.feed_first.median,
            unit="ms",
            baseline=r.base_first.median,
            baseline_label=f"DRF ModelSerializer + PageNumberPagination({PAGE}), page 1; "
            f"p95 {r.base_first.p95:,.1f} ms, {r.base_first.queries} queries",
            target=f"p95 <= {TARGET_FIRST_MS:.0f} ms",
            note=f"p95 {r.feed_first.p95:,.1f} ms "
            f"({verdict(r.feed_first.p95 <= TARGET_FIRST_MS)}), {r.feed_first.queries} queries "
            f"taking {r.feed_first.sql:,.1f} ms of it; baseline takes "
            f"{r.base_first.median / r.feed_first.median:,.1f}x as long",
        ),
        Measurement(
            name=f"the same feed, page at 90% depth (page {int(r.feed_pages * 0.9) + 1} of "
            f"{r.feed_pages}, by cursor)",
            value=r.feed_deep.median,
            unit="ms",
            baseline=r.base_deep.median,
            baseline_label=f"baseline page {int(r.base_pages * 0.9) + 1} of {r.base_pages} "
            f"(OFFSET); p95 {r.base_deep.p95:,.1f} ms, {base_ratio:,.1f}x its page 1",
            target=f"<= {TARGET_DEPTH_RATIO}x the first page",
            note=f"{ratio:.2f}x the first page by median "
            f"({verdict(ratio <= TARGET_DEPTH_RATIO)}), {p95_ratio:.2f}x by p95 "
            f"({verdict(p95_ratio <= TARGET_DEPTH_RATIO)}); p95 {r.feed_deep.p95:,.1f} ms, "
            f"{r.feed_deep.queries} queries taking {r.feed_deep.sql:,.1f} ms; baseline's "
            f"queries take {r.base_deep.sql:,.1f} ms against {r.base_first.sql:,.1f} ms on page 1",
        ),
        Measurement(
            name=f"full pull, pages of {FULL_PAGE}, {r.full_rows:,} rows in {r.full_pages} "
            f"requests, median of {FULL_PULLS}",
            value=r.full_rate,
            unit="rows/s",
            baseline=r.base_rate,
            baseline_label=f"baseline, every page of {PAGE}, one pull of {r.base_rows:,} rows",
            target="for reference",
            note=f"PostgreSQL {r.server}; {r.full_rows / r.full_rate:,.1f} s against "
            f"{r.base_rows / r.base_rate:,.1f} s; "
            f"{r.full_rate / r.base_rate:,.1f}x the baseline's rate",
        ),
    ]
    for kind, runs in r.exports.items():
        best, small, full = runs["rate"], runs["small"], runs["full"]
        rows.append(
            Measurement(
                name=f"export.{kind}, streamed, {best.rows:,} rows, best of 3",
                value=best.rate,
                unit="rows/s",
                baseline=r.base_rate,
                baseline_label="baseline full pull by pages",
                target=f">= {TARGET_EXPORT_ROWS_S:,.0f} rows/s",
                note=f"{best.seconds:,.1f} s ({verdict(best.rate >= TARGET_EXPORT_ROWS_S)}); "
                f"the first block of records after {best.first_block:,.2f} s, "
                f"{small.first_block:,.2f} s for {small.rows:,} rows",
            )
        )
        rows.append(
            Measurement(
                name=f"export.{kind}, peak Python memory while streaming {full.rows:,} rows",
                value=full.traced_peak / 1024 / 1024,
                unit="MiB",
                baseline=small.traced_peak / 1024 / 1024,
                baseline_label=f"{small.rows:,} rows (agreement for {', '.join(r.small_regions)})",
                target="flat: about the same at 10x the rows",
                note=f"{full.traced_peak / max(small.traced_peak, 1):.2f}x for "
                f"{full.rows / max(small.rows, 1):.1f}x the rows (tracemalloc peak); the process's "
                f"resident set grew {mib(full.rss_peak)} against {mib(small.rss_peak)}",
            )
        )
    return rows  # fmt: skip


def run(options: Namespace) -> list[Measurement]:
    return measurements(full_run(options))
