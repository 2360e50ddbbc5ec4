"""Reads of the agencies' feed: graduated KPM in an API client's regions, filtered as it asks, in
the feed's order (updated_at, id). They read `GraduationFeed`, the table the database keeps with
each graduated KPM's shareable facts, so a page is one index range and an export one ordered scan,
with no per-row lookups in the case tables. A page, one KPM, or the whole feed is read in one SQL
statement as `GraduationRow`s (the exports: plain tuples in the same order, or CSV lines PostgreSQL
writes), never as model instances; a part the client's agreement does not share is not even read."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import CharField, IntegerField, Q, QuerySet, TextField, Value
from django.db.models.expressions import Combinable, RawSQL
from django.db.models.functions import Cast

from graduasi.agency.pagination import Position
from graduasi.agency.records import GraduationRow, csv_columns
from graduasi.models import GraduationFeed
from pengguna.models import ApiClient, SharedField

FEED_ORDER = ("updated_at", "kpm_id")
EXPORT_CHUNK = 2_000
REGION_FIELD = {2: "provinsi_code", 5: "kabupaten_code", 8: "kecamatan_code", 13: "desa_code"}


@dataclass(frozen=True)
class FeedFilters:
    """What an agency narrows the feed to; None leaves a filter out."""

    wilayah: str | None = None  # a region code at any level
    graduated_from: date | None = None
    graduated_to: date | None = None
    type: str | None = None
    referral_status: str | None = None
    updated_since: datetime | None = None


class FeedPage(NamedTuple):
    rows: list[GraduationRow]
    more: bool  # whether rows follow the last one


def region_in(code: str) -> Q:
    """Feed rows inside a region code of any level."""
    return Q(**{REGION_FIELD[len(code)]: code})


def graduated_for(client: ApiClient) -> QuerySet[GraduationFeed]:
    """Graduated KPM inside the client's regions (every region when it names none)."""
    queryset = GraduationFeed.objects.all()
    if client.region_codes:
        queryset = queryset.filter(reduce(operator.or_, map(region_in, client.region_codes)))
    return queryset


def feed_filtered(client: ApiClient, filters: FeedFilters) -> QuerySet[GraduationFeed]:
    """The client's graduated KPM narrowed by `filters`, in the feed's order."""
    queryset = graduated_for(client)
    if filters.wilayah:
        queryset = queryset.filter(region_in(filters.wilayah))
    if filters.graduated_from:
        queryset = queryset.filter(graduated_on__gte=filters.graduated_from)
    if filters.graduated_to:
        queryset = queryset.filter(graduated_on__lte=filters.graduated_to)
    if filters.type:
        queryset = queryset.filter(graduation_type=filters.type)
    if filters.referral_status:
        queryset = queryset.filter(referral_statuses__contains=[filters.referral_status])
    if filters.updated_since:
        queryset = queryset.filter(updated_at__gte=filters.updated_since)
    return queryset.order_by(*FEED_ORDER)


def graduation_page(
    client: ApiClient, filters: FeedFilters, *, after: Position | None, size: int
) -> FeedPage:
    """Up to `size` rows following `after` (from the start when None), in one query."""
    queryset = feed_filtered(client, filters)
    if after is not None:
        queryset = queryset.filter(
            Q(updated_at__gte=after.updated_at),  # the index range; the next line breaks ties
            Q(updated_at__gt=after.updated_at) | Q(kpm_id__gt=after.id),
        )
    rows = list(map(GraduationRow._make, _rows(queryset, client.fields)[: size + 1]))
    return FeedPage(rows[:size], more=len(rows) > size)


def graduation_one(client: ApiClient, kpm_id: str) -> GraduationRow | None:
    """One graduated KPM in the client's regions; None when it is not, or does not exist."""
    values = _rows(graduated_for(client).filter(kpm_code=kpm_id), client.fields).first()
    return None if values is None else GraduationRow._make(values)


def graduation_stream(client: ApiClient, filters: FeedFilters) -> Iterator[list[tuple[Any, ...]]]:
    """Every row of the filtered feed as plain tuples in `GraduationRow`'s order, in chunks."""
    return _chunks(_rows(feed_filtered(client, filters), client.fields))


def graduation_csv_stream(
    client: ApiClient, filters: FeedFilters
) -> Iterator[list[tuple[Any, ...]]]:
    """Every row of the filtered feed as (KPM ID, CSV line), in chunks: PostgreSQL writes each
    line of the agreement's columns, quoted and formula-safe, so Python only passes it on."""
    line = _csv_line(frozenset(client.fields))
    return _chunks(feed_filtered(client, filters).values_list("kpm_code", line))


def _chunks(queryset: QuerySet[Any, Any]) -> Iterator[list[tuple[Any, ...]]]:
    """The query's rows read through a server-side cursor `EXPORT_CHUNK` at a time, so memory
    stays flat however many there are, from one snapshot of the feed."""
    chunk_size = EXPORT_CHUNK
    sql, params = queryset.query.sql_with_params()
    # Inside a transaction the cursor streams as it is read; in autocommit it would be a WITH
    # HOLD cursor, which PostgreSQL computes whole before the first row. A plain cursor, not the
    # ORM's: the columns need no conversion, and skipping its per-row work is much of the speed.
    with (
        transaction.atomic(),
        connection.chunked_cursor() as cursor,
        ThreadPoolExecutor(1, thread_name_prefix="feed-fetch") as ahead,
    ):
        cursor.execute(sql, params)
        # The next chunk is fetched while the caller works on this one: PostgreSQL and the wire
        # run while Python builds (the driver lets go of the interpreter while it waits).
        raw = cursor.cursor  # psycopg2's own: Django's wrapper is bound to this thread
        following = ahead.submit(raw.fetchmany, chunk_size)
        try:
            while chunk := following.result():
                following = ahead.submit(raw.fetchmany, chunk_size)
                yield chunk
        except GeneratorExit:
            # A reader that stops half-way: leave normally, so that the access events written
            # while streaming are committed, not rolled back.
            return


def _rows(queryset: QuerySet[GraduationFeed], fields: Iterable[str]) -> QuerySet[Any, Any]:
    return queryset.values_list(
        "kpm_id",
        "kpm_code",
        Cast("graduated_on", TextField()),
        "graduation_type",
        "updated_at_text",
        "wilayah_json",
        *_shared_columns(frozenset(fields)),
    )


def _shared_columns(allowed: frozenset[str]) -> list[Combinable | str]:
    """The columns behind the agreement's optional parts; a part not shared reads a constant."""
    nik = allowed & {SharedField.NIK, SharedField.NIK_MASKED}
    return [
        "alamat" if SharedField.ADDRESS in allowed else Value("", CharField()),
        "member_count" if SharedField.MEMBER_COUNT in allowed else Value(0, IntegerField()),
        "pengurus_name" if SharedField.PENGURUS_NAME in allowed else Value(None, CharField()),
        "pengurus_nik" if nik else Value(None, CharField()),
        "desil" if SharedField.DESIL in allowed else Value(None, IntegerField()),
        "last_paid_year" if SharedField.LAST_TAHAP in allowed else Value(None, IntegerField()),
        "last_paid_tahap" if SharedField.LAST_TAHAP in allowed else Value(None, IntegerField()),
        "referrals" if SharedField.REFERRALS in allowed else Value("[]", TextField()),
    ]


# The CSV export's fields as SQL over a feed row, each the value `record_builder` gives flattened
# (the export tests hold them equal): text through csv_text (migration 0013), quoted and
# formula-safe; numbers, dates and region codes (digits and dots, the desa's key in the region
# table) as they are, NULL as an empty field. Region codes are cut from the desa code, as the
# records do.
CSV_FIELDS: dict[str, str] = {
    "kpm_id": "csv_text(kpm_code)",
    "graduated_on": "coalesce(graduated_on::text, '')",
    "graduation_type": "csv_text(nullif(graduation_type, ''))",
    "updated_at": "updated_at_text",
    "provinsi_code": "left(desa_code, 2)",
    "provinsi_name": "csv_text(provinsi_name)",
    "kabupaten_code": "left(desa_code, 5)",
    "kabupaten_name": "csv_text(kabupaten_name)",
    "kecamatan_code": "left(desa_code, 8)",
    "kecamatan_name": "csv_text(kecamatan_name)",
    "desa_code": "desa_code",
    "desa_name": "csv_text(desa_name)",
    "alamat": "csv_text(alamat)",
    "member_count": "coalesce(member_count::text, '')",
    "pengurus_name": "csv_text(pengurus_name)",
    "pengurus_nik": "csv_text(pengurus_nik)",
    "desil": "coalesce(desil::text, '')",
    "last_paid_year": "coalesce(last_paid_year::text, '')",
    "last_paid_tahap": (
        "CASE WHEN last_paid_year IS NULL THEN '' ELSE coalesce(last_paid_tahap::text, '') END"
    ),
    "referrals": "csv_text(referral_pairs)",
}
# kpm.rules.mask_nik: of a 16-digit NIK, the first four and last four digits shown.
MASKED_NIK_FIELD = (
    "csv_text(CASE WHEN length(pengurus_nik) = 16"
    " THEN left(pengurus_nik, 4) || '********' || right(pengurus_nik, 4)"
    " ELSE repeat('*', length(pengurus_nik)) END)"
)


def _csv_line(allowed: frozenset[str]) -> RawSQL:
    """One CSV line (CRLF-terminated) of the agreement's columns, written by PostgreSQL."""
    masked = SharedField.NIK not in allowed
    fields = [
        MASKED_NIK_FIELD if column == "pengurus_nik" and masked else CSV_FIELDS[column]
        for column in csv_columns(allowed)
    ]
    line = " || ',' || ".join(fields) + " || E'\\r\\n'"
    return RawSQL(line, ())  # noqa: S611 (this module's constants, no input)
