"""The dashboards on bench_graduasi's fixture of --kpm KPM over Jawa Timur (1,000,000 by
default) after one nightly run: the national page as the national ministry sees it, Kota
Kediri's page as its Dinsos officer sees it, and the dashboard API for both areas. Server time
(median and p95 of REPEATS requests after a warm-up) and queries per request, through Django's
full request path in-process.

Baseline, same run: the same numbers (the tiles, the regions one level down, the months)
counted live with GROUP BY from the case tables, as a dashboard without the nightly summaries
would count them on every request (graduasi.dashboard.live); and whether they equal the
summary rows the pages read.

Before the run, Kota Kediri gets a year of graduation work through the real services
(seed_demo_workflow's demo_workflow: approvals, proposals waiting, referrals, follow-ups), and
a third of the active KPM everywhere a home visit in the last 45 days, so the counts are not
zero."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.bench_graduasi import AS_OF, fixture, pipeline_once, say
from bench.common import Measurement, timer, timings

if TYPE_CHECKING:
    from argparse import Namespace

    from graduasi.dashboard.areas import Area

KABUPATEN = "35.71"  # Kota Kediri: the demo Dinsos officer's, and the one with seeded work
NATIONAL_USER, DINSOS_USER = "kemensos", "dinsos.kediri"  # seed_demo's logins
REPEATS, LIVE_REPEATS, WARM_UP = 50, 20, 3
TARGET = "p95 <= 100 ms, <= 15 queries"
P95_MAX_MS, QUERIES_MAX = 100.0, 15

VISITS_SQL = """
INSERT INTO pendamping_visit
    (kpm_id, pendamping_id, visited_on, purposes, notes, photo, created_by_id, created_at)
SELECT k.id, k.pendamping_id, %(on)s::date - ((k.id / 3) %% 45)::int, ARRAY['verifikasi_komitmen'],
       '', '', p.user_id, now()
FROM kpm_kpm k JOIN pendamping_pendamping p ON p.id = k.pendamping_id
WHERE k.status = 'aktif' AND k.id %% 3 = 0
"""


@dataclass(frozen=True)
class Timing:
    """Median and p95 milliseconds of one kind of request, and its queries."""

    median: float
    p95: float
    queries: int

    @property
    def met(self) -> bool:
        return self.p95 <= P95_MAX_MS and self.queries <= QUERIES_MAX


@dataclass(frozen=True)
class Live:
    """The live GROUP BY for one area: its timing and how its numbers compare."""

    timing: Timing
    differences: list[str]

    def verdict(self) -> str:
        if not self.differences:
            return "live numbers equal the summary rows"
        shown = "; ".join(self.differences[:5])
        return f"{len(self.differences)} live numbers differ from the summary rows: {shown}"


def graduation_work() -> None:
    """A year of graduation work in Kota Kediri and visits everywhere, before the nightly run."""
    from django.db import connection

    from graduasi.demo import demo_workflow

    with timer() as elapsed:
        result = demo_workflow(kabupaten_code=KABUPATEN, today=AS_OF, seed=1)
        with connection.cursor() as cursor:
            cursor.execute(VISITS_SQL, {"on": AS_OF})
            visits = cursor.rowcount
            cursor.execute("VACUUM (ANALYZE) pendamping_visit")
    say(
        f"{KABUPATEN}: {result.approved} approved, {result.pending} waiting, "
        f"{result.referrals} referrals; {visits:,} visits; {elapsed[0]:.1f} s"
    )


def _measured(call: Callable[[int], object], repeats: int) -> Timing:
    for i in range(WARM_UP):
        call(i)
    return Timing(*timings(call, repeats=repeats))


def page_timing(username: str, url: str) -> Timing:
    """A dashboard page or API answer for one logged-in user, REPEATS times."""
    from django.test import Client

    from pengguna.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))

    def get(_i: int) -> object:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return _measured(get, REPEATS)


def live_timing(area: Area) -> Live:
    """The same numbers counted live for `area`, LIVE_REPEATS times, and their comparison."""
    from graduasi.dashboard.live import live_differences, live_numbers

    timing = _measured(lambda _i: live_numbers(area, on=AS_OF), LIVE_REPEATS)
    return Live(timing, live_differences(live_numbers(area, on=AS_OF), year=AS_OF.year))


def _area(code: str) -> Area:
    from graduasi.dashboard.areas import area_for_region
    from pengguna.models import User

    return area_for_region(User.objects.get(username=NATIONAL_USER), code)


def _row(name: str, page: Timing, live: Live, kpm: int) -> Measurement:
    verdict = "met" if page.met else "not met"
    return Measurement(
        name=f"{name}, {kpm:,} KPM, median of {REPEATS}",
        value=page.median, unit="ms", baseline=live.timing.median,
        baseline_label=f"live GROUP BY over the case tables, median of {LIVE_REPEATS}; "
        f"p95 {live.timing.p95:,.1f} ms, {live.timing.queries} queries",
        target=TARGET,
        note=f"p95 {page.p95:.1f} ms, {page.queries} queries ({verdict}); "
        f"live takes {live.timing.median / page.median:,.1f}x as long; {live.verdict()}",
    )  # fmt: skip


def run(options: Namespace) -> list[Measurement]:
    from django.urls import reverse

    fixture(options.kpm)
    graduation_work()
    run_times = pipeline_once()
    say(f"pipeline {run_times.seconds:.1f} s ({run_times.stages()})")
    nation, kabupaten = live_timing(_area("")), live_timing(_area(KABUPATEN))
    say(f"live: nation {nation.timing}, {KABUPATEN} {kabupaten.timing}")
    api = reverse("api:dashboard")
    pages = [
        ("national page /dasbor/nasional/", NATIONAL_USER, reverse("dasbor:nation"), nation),
        (f"kabupaten page /dasbor/wilayah/{KABUPATEN}/ (Dinsos)", DINSOS_USER,
         reverse("dasbor:region", args=[KABUPATEN]), kabupaten),
        ("national API /api/v1/dashboard/", NATIONAL_USER, api, nation),
        (f"kabupaten API /api/v1/dashboard/?wilayah={KABUPATEN} (Dinsos)", DINSOS_USER,
         f"{api}?wilayah={KABUPATEN}", kabupaten),
    ]  # fmt: skip
    return [
        _row(name, page_timing(user, url), live, options.kpm) for name, user, url, live in pages
    ]
