"""The streamed bulk export of the agencies' feed, as NDJSON (one record per line) or CSV. Rows come
from a server-side cursor and leave in small blocks, so memory stays flat however long the feed;
every `LOG_EVERY` records served are logged as one access event, and whatever was handed out before
a client hangs up is logged too."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from itertools import islice

import orjson

from graduasi.agency.records import GraduationRow, Record, csv_columns, csv_row_builder

BLOCK = 500  # rows per piece of the response body
LOG_EVERY = 10_000  # records per access event

LogServed = Callable[[list[str]], None]


def ndjson_stream(
    rows: Iterable[GraduationRow], build: Callable[[GraduationRow], Record], log: LogServed
) -> Iterator[bytes]:
    """One JSON record per line, each built by the agreement's `build`."""
    dumps = orjson.dumps
    with closing(_logged_blocks(rows, log)) as blocks:
        for block in blocks:
            yield b"".join([dumps(build(row)) + b"\n" for row in block])


def csv_stream(rows: Iterable[GraduationRow], fields: list[str], log: LogServed) -> Iterator[bytes]:
    """A header of the agreement's columns, then one formula-safe row per record, in UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_columns(fields))
    cells = csv_row_builder(fields)
    yield _drain(buffer)
    with closing(_logged_blocks(rows, log)) as blocks:
        for block in blocks:
            writer.writerows([cells(row) for row in block])
            yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()


def _logged_blocks(rows: Iterable[GraduationRow], log: LogServed) -> Generator[list[GraduationRow]]:
    """Blocks of rows; a block's KPM IDs are noted before it is handed out, and logged by every
    `LOG_EVERY` and at the end, also when the client stops reading half-way."""
    source = iter(rows)
    pending: list[str] = []
    try:
        while block := list(islice(source, BLOCK)):
            pending.extend(row.kpm_id for row in block)
            yield block
            if len(pending) >= LOG_EVERY:
                log(pending[:LOG_EVERY])
                pending = pending[LOG_EVERY:]
    finally:
        if isinstance(source, Generator):
            source.close()  # the server-side cursor, when a client stops reading half-way
        if pending:
            log(pending)
