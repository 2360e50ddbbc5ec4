"""Writes a demo seed plan into PostgreSQL: COPY in chunks inside one transaction, then ANALYZE.

Seeded rows are demo data, not case changes made through a service, so no audit rows are
written. Households are generated per kecamatan, in worker processes for large runs, while
this process streams the previous chunk into the database.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext as _

from kpm.demo.households import (
    ANGGOTA_COLUMNS,
    ASSESSMENT_COLUMNS,
    DESIL_COLUMNS,
    KPM_COLUMNS,
    generate_kecamatan,
)
from kpm.demo.logins import DEMO_PASSWORD, DEMO_PENDAMPING, DemoLogin, demo_logins
from kpm.demo.names import NamePools, name_pools
from kpm.demo.plan import IdBase, KecamatanPlan, SeedPlan, seed_plan

CHUNK_KPM = 50_000  # KPM per COPY round
PARALLEL_FROM = 20_000  # below this, starting worker processes costs more than it saves
BULK_LOAD_FROM = 100_000  # from this many KPM (and more than exist), indexes are rebuilt after
HOUSEHOLD_TABLES = (
    ("kpm_kpm", KPM_COLUMNS),
    ("kpm_anggota", ANGGOTA_COLUMNS),
    ("kpm_desilhistory", DESIL_COLUMNS),
    ("pendamping_economicassessment", ASSESSMENT_COLUMNS),
)
USER_COLUMNS = (
    "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
    "email", "is_staff", "is_active", "date_joined", "role", "scope_region_code",
)  # fmt: skip
PENDAMPING_COLUMNS = ("id", "is_active", "created_at", "kabupaten_id", "user_id")
DESA_SERVED_COLUMNS = ("pendamping_id", "desa_id")
SEQUENCED = ("pengguna_user", "pendamping_pendamping", "kpm_kpm")
ANALYZED = (*SEQUENCED, "pendamping_pendamping_desa_served", *(t for t, _ in HOUSEHOLD_TABLES[1:]))


class SeedRefused(Exception):
    """The database is not in a state the demo seed may write to; the message says why."""


@dataclass
class SeedResult:
    """Rows written per kind, and how long it took."""

    kpm: int = 0
    anggota: int = 0
    desil: int = 0
    assessment: int = 0
    pendamping: int = 0
    users: int = 0
    seconds: float = 0.0
    kept_logins: tuple[str, ...] = ()

    def add(self, counts: Sequence[int]) -> None:
        """Count one kecamatan's rows, in HOUSEHOLD_TABLES order."""
        self.kpm += counts[0]
        self.anggota += counts[1]
        self.desil += counts[2]
        self.assessment += counts[3]


def ribuan(number: int) -> str:
    """A count written the Indonesian way: 1.000.000."""
    return f"{number:,}".replace(",", ".")


def copy_rows(rows: Sequence[tuple]) -> str:
    """Rows as PostgreSQL COPY text. Generated strings never hold tab, newline or backslash."""
    # One comprehension, no call per cell: this runs for some 70 million cells at 1M KPM.
    return "".join([
        "\t".join([
            "\\N" if v is None else ("t" if v else "f") if v.__class__ is bool else str(v)
            for v in row
        ]) + "\n"
        for row in rows
    ])  # fmt: skip


class Rendered(NamedTuple):
    """One kecamatan's households as COPY text and row count, per HOUSEHOLD_TABLES entry."""

    texts: tuple[str, ...]
    counts: tuple[int, ...]


def render_kecamatan(task: tuple[int, date, KecamatanPlan, NamePools]) -> Rendered:
    """Generate one kecamatan and render it as COPY text (runs in a worker process)."""
    rows = generate_kecamatan(*task)
    parts = (rows.kpm, rows.anggota, rows.desil, rows.assessment)
    return Rendered(tuple(copy_rows(part) for part in parts), tuple(map(len, parts)))


def _rendered(plan: SeedPlan, pools: NamePools, workers: int) -> Iterator[Rendered]:
    """Rendered kecamatan in plan order, from worker processes when `workers` > 0."""
    tasks = [(plan.seed, plan.today, k, pools) for k in plan.kecamatan if k.kpm_count]
    if workers <= 0:
        yield from map(render_kecamatan, tasks)
        return
    # spawn, not fork: the children must not share this process's database socket.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        yield from pool.imap(render_kecamatan, tasks)


def _copy(cursor: CursorWrapper, table: str, columns: Sequence[str], text: str) -> None:
    if text:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        cursor.copy_expert(sql, io.StringIO(text), 1 << 20)


def _write_households(
    cursor: CursorWrapper,
    plan: SeedPlan,
    pools: NamePools,
    workers: int,
    result: SeedResult,
    progress: Callable[[str], None] | None,
) -> None:
    """Households in rounds of about CHUNK_KPM, one COPY per table per round."""
    buffers: list[list[str]] = [[] for _ in HOUSEHOLD_TABLES]
    pending = 0
    started = time.perf_counter()
    for rendered in _rendered(plan, pools, workers):
        for buffer, text in zip(buffers, rendered.texts, strict=True):
            buffer.append(text)
        result.add(rendered.counts)
        pending += rendered.counts[0]
        if pending >= CHUNK_KPM:
            _flush(cursor, buffers)
            pending = 0
            if progress:
                seconds = time.perf_counter() - started
                progress(
                    _("%(n)s KPM ditulis (%(s).0f detik)") % {"n": ribuan(result.kpm), "s": seconds}
                )
    _flush(cursor, buffers)


def _flush(cursor: CursorWrapper, buffers: list[list[str]]) -> None:
    for (table, columns), buffer in zip(HOUSEHOLD_TABLES, buffers, strict=True):
        _copy(cursor, table, columns, "".join(buffer))
        buffer.clear()


def _staff_rows(
    plan: SeedPlan, pools: NamePools, logins: Sequence[DemoLogin], password: str, stamp: str
) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows for users (every pendamping, then each demo login), pendamping and desa served."""
    rng = random.Random(f"{plan.seed}:pendamping")
    users: list[tuple] = []
    staff: list[tuple] = []
    served: list[tuple] = []
    for p in plan.pendamping:
        male = rng.random() < 0.5
        first = pools.male_first if male else pools.female_first
        last = pools.male_last if male else pools.female_last
        users.append((
            p.user_pk, password, None, False, p.username, rng.choice(first), rng.choice(last),
            "", False, True, stamp, "pendamping", None,
        ))  # fmt: skip
        staff.append((p.pk, True, stamp, p.kabupaten_code, p.user_pk))
        served += [(p.pk, code) for code in p.desa_served]
    for pk, login in enumerate(logins, start=plan.first_login_pk):
        users.append((
            pk, password, None, login.is_superuser, login.username, login.first_name,
            login.last_name, "", login.is_staff, True, stamp, login.role, login.scope,
        ))  # fmt: skip
    return users, staff, served


def write_staff(
    cursor: CursorWrapper,
    plan: SeedPlan,
    pools: NamePools,
    logins: Sequence[DemoLogin],
    result: SeedResult,
) -> None:
    """Users for every pendamping and demo login, the pendamping and the desa they serve."""
    stamp = f"{plan.today.isoformat()} 00:00:00+07"
    # One hash for every demo user (hashing is slow on purpose), salted by the seed so the
    # same seed writes the same rows; the password is public anyway.
    password = make_password(DEMO_PASSWORD, salt=f"pkhdemo{plan.seed}")
    users, staff, served = _staff_rows(plan, pools, logins, password, stamp)
    _copy(cursor, "pengguna_user", USER_COLUMNS, copy_rows(users))
    _copy(cursor, "pendamping_pendamping", PENDAMPING_COLUMNS, copy_rows(staff))
    _copy(cursor, "pendamping_pendamping_desa_served", DESA_SERVED_COLUMNS, copy_rows(served))
    result.users, result.pendamping = len(users), len(staff)


def kabupaten_desa(kabupaten: Sequence[str]) -> dict[str, list[str]]:
    """Every desa code of each kabupaten, in the order the kabupaten were given."""
    from wilayah.models import Desa

    found: dict[str, list[str]] = {code: [] for code in kabupaten}
    rows = Desa.objects.filter(kecamatan__kabupaten_id__in=kabupaten).values_list("code", flat=True)
    for code in rows:
        found[code[:5]].append(code)
    missing = [code for code, desa in found.items() if not desa]
    if missing:
        raise SeedRefused(
            _("Kabupaten/kota %(codes)s tidak dikenal atau tanpa desa; jalankan load_wilayah?")
            % {"codes": ", ".join(missing)}
        )
    return found


def _refuse_if_seeded(kabupaten: Sequence[str]) -> None:
    from kpm.models import Kpm

    seeded = Kpm.objects.filter(kabupaten_code__in=kabupaten).values_list("kabupaten_code")
    codes = sorted({code for (code,) in seeded.distinct()})
    if codes:
        raise SeedRefused(
            _("Sudah ada KPM di %(codes)s; data demo hanya diisi ke kabupaten/kota yang kosong.")
            % {"codes": ", ".join(codes)}
        )


def max_ids(cursor: CursorWrapper) -> IdBase:
    """The highest user, pendamping and KPM ids ever handed out: rows in use, or the id
    sequence when it has gone further, so no id of a deleted row (named in the audit
    trail) is given to a new one."""
    values = []
    for table in SEQUENCED:  # constant table names, never user input
        sequence = f"pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id'))"
        cursor.execute(f"SELECT greatest(max(id), {sequence}, 0) FROM {table}")  # noqa: S608
        values.append(cursor.fetchone()[0])
    return IdBase(user=values[0], pendamping=values[1], kpm=values[2])


def _taken_niks(cursor: CursorWrapper, kabupaten: Sequence[str]) -> dict[str, frozenset[str]]:
    """NIKs already registered in these kabupaten, by kecamatan code, so none is reused."""
    taken: dict[str, set[str]] = {}
    for code in kabupaten:
        cursor.execute(
            "SELECT nik FROM kpm_anggota WHERE nik LIKE %s", [code.replace(".", "") + "%"]
        )
        for (nik,) in cursor.fetchall():
            taken.setdefault(f"{nik[:2]}.{nik[2:4]}.{nik[4:6]}", set()).add(nik)
    return {code: frozenset(niks) for code, niks in taken.items()}


def _logins_to_create(kabupaten: Sequence[str]) -> tuple[list[DemoLogin], list[str], bool]:
    """Demo logins not yet present, the usernames kept as they are, and whether the
    demo pendamping username is still free."""
    from pengguna.models import User

    logins = demo_logins(kabupaten[0])
    wanted = [login.username for login in logins] + [DEMO_PENDAMPING]
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    fresh = [login for login in logins if login.username not in existing]
    return fresh, sorted(existing), DEMO_PENDAMPING not in existing


def _refuse_taken_usernames(plan: SeedPlan) -> None:
    from pengguna.models import User

    names = [p.username for p in plan.pendamping]
    taken = list(User.objects.filter(username__in=names).values_list("username", flat=True)[:5])
    if taken:
        raise SeedRefused(
            _("Nama pengguna pendamping sudah dipakai: %(names)s.") % {"names": ", ".join(taken)}
        )


def default_workers(kpm_count: int) -> int:
    """Generator processes for a run of this size: none for a small run."""
    if kpm_count < PARALLEL_FROM:
        return 0
    return min(2, os.cpu_count() or 1)


def demo_seed(
    *,
    seed: int,
    today: date,
    kpm: int | None,
    kabupaten: Sequence[str],
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedResult:
    """Seed demo KPM, members, pendamping and logins into empty kabupaten, all or nothing."""
    started = time.perf_counter()
    desa = kabupaten_desa(kabupaten)
    _refuse_if_seeded(kabupaten)
    logins, kept, lead_free = _logins_to_create(kabupaten)
    result = SeedResult(kept_logins=tuple(kept))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(SEQUENCED)} IN SHARE ROW EXCLUSIVE MODE")
        # Checked per COPY, not queued to commit: millions of queued checks cost memory.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        plan = seed_plan(
            seed=seed, today=today, kpm=kpm, desa_by_kabupaten=desa, ids=max_ids(cursor),
            lead_username=DEMO_PENDAMPING if lead_free else None,
            taken_niks=_taken_niks(cursor, kabupaten),
        )  # fmt: skip
        _write_plan(cursor, plan, logins, workers, result, progress)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(ANALYZED)}")
    result.seconds = time.perf_counter() - started
    return result


def _write_plan(
    cursor: CursorWrapper,
    plan: SeedPlan,
    logins: Sequence[DemoLogin],
    workers: int | None,
    result: SeedResult,
    progress: Callable[[str], None] | None,
) -> None:
    """Staff, then households, then move each id sequence past the ids written."""
    _refuse_taken_usernames(plan)
    pools = name_pools(plan.seed)
    write_staff(cursor, plan, pools, logins, result)
    chosen = default_workers(plan.kpm_count) if workers is None else workers
    bulk = plan.kpm_count >= max(BULK_LOAD_FROM, plan.ids.kpm)
    tables = [table for table, _columns in HOUSEHOLD_TABLES]
    with bulk_load(cursor, tables) if bulk else contextlib.nullcontext():
        _write_households(cursor, plan, pools, chosen, result, progress)
    for table in SEQUENCED:  # constant table names, never user input
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        last = f"greatest(max(id), pg_sequence_last_value({sequence}))"
        cursor.execute(f"SELECT setval({sequence}, {last}) FROM {table}")  # noqa: S608


SECONDARY_INDEXES = """
SELECT format('DROP INDEX %%I', i.relname), pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relname = ANY(%s) AND t.relnamespace = to_regnamespace(current_schema())
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid
                  AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))
ORDER BY i.relname
"""
FOREIGN_KEYS = """
SELECT format('ALTER TABLE %%I DROP CONSTRAINT %%I', t.relname, c.conname),
       format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', t.relname, c.conname,
              pg_get_constraintdef(c.oid))
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
WHERE c.contype = 'f' AND t.relname = ANY(%s)
  AND t.relnamespace = to_regnamespace(current_schema())
ORDER BY t.relname, c.conname
"""


@contextlib.contextmanager
def bulk_load(cursor: CursorWrapper, tables: Sequence[str]) -> Iterator[None]:
    """Drop the secondary indexes and foreign keys of `tables` and turn their triggers off, then
    put them back and make the agencies' feed once: building an index once and checking a key
    with one join beats doing it row by row (PostgreSQL manual, "Populating a Database").
    Inside the caller's transaction, so a failure leaves the schema as it was."""
    cursor.execute(SECONDARY_INDEXES, [list(tables)])
    indexes = cursor.fetchall()
    cursor.execute(FOREIGN_KEYS, [list(tables)])
    keys = cursor.fetchall()
    for drop, _create in [*keys, *indexes]:
        cursor.execute(drop)
    # The triggers that keep the agencies' feed (graduasi 0012) would rebuild feed rows after
    # every batch, reading members without their index; the feed is made once at the end.
    for table in tables:  # constant table names, never user input
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _drop, create in [*indexes, *keys]:
        cursor.execute(create)
    for table in tables:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    cursor.execute(
        "SELECT graduation_feed_refresh(ARRAY(SELECT id FROM kpm_kpm WHERE status = 'graduasi'))"
    )
