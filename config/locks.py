"""Locks every process and machine sharing the database sees: PostgreSQL advisory locks."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator

from django.db import connection


@contextlib.contextmanager
def run_lock(name: str) -> Iterator[bool]:
    """A PostgreSQL advisory lock held by this connection while the block runs: True if taken,
    False if another session holds it. Every process and machine sharing the database sees
    the same lock, and it is released when the holder's connection ends, even if killed."""
    key = zlib.crc32(name.encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        taken = bool(cursor.fetchone()[0])
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
