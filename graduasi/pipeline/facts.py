"""Reads for the assessment stage: the facts of a set of KPM with a few grouped queries (one
per table), never one query per KPM. The rules then run over plain values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from graduasi.rules import EconomicFacts, KpmFacts, Member
from kpm.models import KpmStatus, MemberStatus
from wilayah.models import PovertyLine


@dataclass(frozen=True)
class IdRange:
    """An inclusive range of KPM ids: one nightly batch. A list of ids is the other way to
    say which KPM a read covers (one KPM re-assessed after a change, the command's --kpm)."""

    first: int
    last: int


def active_kpm_batches(*, size: int, after: int = 0) -> Iterator[IdRange]:
    """Keyset over the ids of active KPM: the first and last id of each batch of `size`."""
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT min(id), max(id) FROM (SELECT id FROM kpm_kpm WHERE status = %s AND"
                " id > %s ORDER BY id LIMIT %s) AS batch",
                [KpmStatus.ACTIVE.value, after, size],
            )
            first, last = cursor.fetchone()
            if first is None:
                return
            yield IdRange(first, last)
            after = last


def _where(ids: IdRange | Sequence[int], column: str) -> tuple[str, list]:
    if isinstance(ids, IdRange):
        return f"{column} BETWEEN %s AND %s", [ids.first, ids.last]
    return f"{column} = ANY(%s)", [list(ids)]


class PovertyLines:
    """Every poverty line, read once per run: the line of a province on a date, else the
    national line (wilayah.selectors.poverty_line_on, for many provinces at once)."""

    def __init__(self) -> None:
        rows = PovertyLine.objects.order_by("-valid_from").values_list(
            "provinsi_id", "valid_from", "amount"
        )
        self._by_province: dict[str | None, list[tuple[date, int]]] = defaultdict(list)
        for provinsi, valid_from, amount in rows:
            self._by_province[provinsi].append((valid_from, amount))
        self._cache: dict[tuple[str, date], int | None] = {}

    def on(self, provinsi_code: str, day: date) -> int | None:
        key = (provinsi_code, day)
        if key not in self._cache:
            self._cache[key] = self._first(provinsi_code, day) or self._first(None, day)
        return self._cache[key]

    def _first(self, provinsi: str | None, day: date) -> int | None:
        return next((a for valid, a in self._by_province.get(provinsi, ()) if valid <= day), None)


# Columns in the order of graduasi.rules.Member's fields, after the KPM id.
MEMBER_SQL = """
SELECT kpm_id, id, tanggal_lahir, jenis_kelamin, hamil, perkiraan_lahir, tanggal_persalinan,
       jenjang_sekolah, disabilitas_berat, status = %s,
       CASE WHEN status = %s THEN NULL ELSE status_changed_on END
FROM kpm_anggota WHERE {where}"""

ECONOMIC_SQL = """
SELECT DISTINCT ON (kpm_id) kpm_id, assessed_on, household_income, member_count, stable_income
FROM pendamping_economicassessment WHERE {where} AND assessed_on <= %s
ORDER BY kpm_id, assessed_on DESC, id DESC"""

DESIL_SQL = """
SELECT DISTINCT ON (kpm_id) kpm_id, desil FROM kpm_desilhistory
WHERE {where} AND recorded_on <= %s ORDER BY kpm_id, recorded_on DESC, id DESC"""

KPM_SQL = """
SELECT id, pkh_entry_date, provinsi_code, desil FROM kpm_kpm WHERE {where}{active}"""


def _members(cursor: Any, ids: IdRange | Sequence[int]) -> dict[int, list[Member]]:
    where, params = _where(ids, "kpm_id")
    active = MemberStatus.ACTIVE.value
    cursor.execute(MEMBER_SQL.format(where=where), [active, active, *params])
    found: dict[int, list[Member]] = defaultdict(list)
    make = Member._make
    for row in cursor.fetchall():
        found[row[0]].append(make(row[1:]))
    return found


def kpm_facts(
    ids: IdRange | Sequence[int], *, on: date, lines: PovertyLines, active_only: bool = True
) -> list[KpmFacts]:
    """The facts of the KPM in `ids` as of `on`: members, the latest economic assessment and
    DTSEN desil recorded on or before `on` (the KPM's own desil when no history row is that
    old), and the province's poverty line. Active KPM only, unless `active_only` is False."""
    with connection.cursor() as cursor:
        where, params = _where(ids, "id")
        active = " AND status = %s" if active_only else ""
        extra = [KpmStatus.ACTIVE.value] if active_only else []
        cursor.execute(KPM_SQL.format(where=where, active=active), [*params, *extra])
        households = cursor.fetchall()
        members = _members(cursor, ids)
        where, params = _where(ids, "kpm_id")
        cursor.execute(ECONOMIC_SQL.format(where=where), [*params, on])
        economic = {row[0]: EconomicFacts(*row[1:]) for row in cursor.fetchall()}
        cursor.execute(DESIL_SQL.format(where=where), [*params, on])
        desil = dict(cursor.fetchall())
    return [
        KpmFacts(
            kpm_id=pk,
            entry_date=entry,
            members=tuple(members.get(pk, ())),
            economic=economic.get(pk),
            desil=desil.get(pk, own_desil),
            poverty_line=lines.on(provinsi, on),
        )
        for pk, entry, provinsi, own_desil in households
    ]
