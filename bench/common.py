"""Shared pieces of the benchmarks: a measurement, a scratch database, a timer."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Measurement:
    """One number of one benchmark. `baseline` is the same work done the plain way, measured
    in the same run, so the two can be compared on the same machine and day."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def timer() -> Iterator[list[float]]:
    """`with timer() as t: ...` then t[0] holds elapsed seconds."""
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)


def timings(call: Callable[[int], object], *, repeats: int) -> tuple[float, float, int]:
    """Median and p95 milliseconds of `call(i)` for i in range(repeats), after one call that
    warms up and counts its queries; and that count."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the log is a bounded deque; a full one would count nothing
    with CaptureQueriesContext(connection) as queries:
        call(0)
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1]
    return statistics.median(times), p95, len(queries)


def use_scratch_database() -> None:
    """Point Django at a fresh `<name>_bench` database on the configured server, migrated.
    Each benchmark loads what it needs, regions included. Call before any query."""
    import psycopg2
    from django.core.management import call_command
    from django.db import connections

    conn_settings = connections.databases["default"]
    bench_db = f"{conn_settings['NAME']}_bench"
    admin = psycopg2.connect(
        dbname="postgres",
        user=conn_settings.get("USER") or None,
        password=conn_settings.get("PASSWORD") or None,
        host=conn_settings.get("HOST") or None,
        port=conn_settings.get("PORT") or None,
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{bench_db}"')
    admin.close()
    connections.close_all()
    conn_settings["NAME"] = bench_db
    call_command("migrate", verbosity=0)
