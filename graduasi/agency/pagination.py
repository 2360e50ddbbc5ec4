"""Keyset pagination of the agencies' feed: rows in (updated_at, id) order, and an opaque cursor
holding the last row's position, so a page is as fast at the end of the feed as at its start and
a row changed while an agency pages moves behind it instead of shifting every later page."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import NamedTuple

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
BIGINT_MAX = 2**63 - 1


class Position(NamedTuple):
    """Where a page ends: the last row's `updated_at` and internal id."""

    updated_at: datetime
    id: int


def cursor_encode(position: Position) -> str:
    """The opaque cursor for the rows after `position`."""
    raw = f"{position.updated_at.astimezone(UTC).isoformat()}|{position.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> Position:
    """The position a cursor holds; ValueError for anything this module did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("not base64") from exc
    stamp, bar, pk = raw.partition("|")
    if not bar or not pk.isascii() or not pk.isdigit():
        raise ValueError("no position")
    updated_at = aware_utc(stamp)
    if not 0 < int(pk) <= BIGINT_MAX:
        raise ValueError("bad position")
    return Position(updated_at, int(pk))


def aware_utc(text: str) -> datetime:
    """An ISO 8601 date-time with its UTC offset, in UTC; ValueError without an offset or out
    of Python's range once in UTC."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("no offset")
        moment = moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range") from exc
    return moment
