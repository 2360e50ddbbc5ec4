"""The streamed bulk export of the agencies' feed, as NDJSON (one record per line) or CSV. Rows come
from a server-side cursor in chunks and leave in blocks, so memory stays flat however long the
feed; every `LOG_EVERY` records served are logged as one access event, and whatever was handed out
before a client hangs up is logged too."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing
from operator import itemgetter
from typing import Any

import orjson

from graduasi.agency.records import KPM_ID, Record, csv_columns

LOG_EVERY = 10_000  # records per access event

LogServed = Callable[[list[str]], None]
Chunk = Sequence[Sequence[Any]]


def ndjson_stream(
    chunks: Iterable[Chunk], build: Callable[[Sequence[Any]], Record], log: LogServed
) -> Iterator[bytes]:
    """One JSON record per line, each built by the agreement's `build` from a row in
    `GraduationRow`'s order."""
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    with closing(_logged(chunks, KPM_ID, log)) as blocks:
        for block in blocks:
            yield b"".join([dumps(build(row), option=newline) for row in block])


def csv_stream(chunks: Iterable[Chunk], fields: list[str], log: LogServed) -> Iterator[bytes]:
    """A header of the agreement's columns, then one line per record, in UTF-8. Each row arrives
    as (KPM ID, its CSV line), the line already written, quoted and formula-safe."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(csv_columns(fields))
    yield header.getvalue().encode()
    line = itemgetter(1)
    with closing(_logged(chunks, 0, log)) as blocks:
        for block in blocks:
            yield "".join(map(line, block)).encode()


def _logged(chunks: Iterable[Chunk], id_at: int, log: LogServed) -> Generator[Chunk]:
    """The chunks as they come; a chunk's KPM IDs (at `id_at` in each row) are noted before it is
    handed out, and logged by every `LOG_EVERY` and at the end, also when the client stops
    reading half-way."""
    source = iter(chunks)
    pending: list[str] = []
    ids = itemgetter(id_at)
    try:
        for chunk in source:
            pending.extend(map(ids, chunk))
            yield chunk
            if len(pending) >= LOG_EVERY:
                log(pending[:LOG_EVERY])
                del pending[:LOG_EVERY]
    finally:
        if isinstance(source, Generator):
            source.close()  # the server-side cursor, when a client stops reading half-way
        if pending:
            log(pending)
