"""Set-based writes: COPY rows into a temporary table, then one INSERT or UPDATE from it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escaped(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


_FORMATS: dict[type, Callable[[Any], str]] = {
    str: _escaped,
    int: str,
    bool: lambda value: "t" if value else "f",
    date: date.isoformat,
    datetime: datetime.isoformat,
    type(None): lambda _value: "\\N",
}


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    form = _FORMATS.get(type(value))
    return form(value) if form is not None else _escaped(str(value))


def copy_temp(
    cursor: Any, name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]
) -> None:
    """(Re)create temporary table `name` (dropped at commit) holding `rows`."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    definition = ", ".join(f"{column} {kind}" for column, kind in columns)
    cursor.execute(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")
    copy_into(cursor, name, [column for column, _kind in columns], rows)


def copy_into(
    cursor: Any,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    constants: Sequence[Any] = (),
) -> None:
    """COPY `rows` into `columns` of `table`; `constants` fill the last columns of every row."""
    tail = "".join("\t" + copy_text(value) for value in constants) + "\n"
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(copy_text, row)) + tail for row in rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
