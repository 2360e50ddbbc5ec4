"""Set-based writes: COPY rows into a temporary table, then one INSERT or UPDATE from it."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.translate(_ESCAPES)
    return text


def copy_temp(
    cursor: Any, name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]
) -> None:
    """(Re)create temporary table `name` (dropped at commit) holding `rows`."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    definition = ", ".join(f"{column} {kind}" for column, kind in columns)
    cursor.execute(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {name} FROM STDIN", buffer)
