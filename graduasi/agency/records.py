"""What an agency receives for one graduated KPM, by its data-sharing agreement: the core every
agreement shares (KPM ID, graduation date and type, regions, when it last changed) plus only the
parts its `SharedField`s allow. A part not allowed is absent, never null or empty."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from orjson import Fragment, loads

from kpm.rules import mask_nik
from pengguna.models import SharedField


class GraduationRow(NamedTuple):
    """One graduated KPM as the selector reads it, before the agreement picks its parts. The
    exports hand the builder the same values as plain tuples, in this order."""

    id: int  # internal key: the feed's tie-breaker, never shared
    kpm_id: str
    # Dates and moments arrive as ISO 8601 text (moments in UTC, as isoformat() writes them),
    # made by the database: turning a few hundred thousand into objects and back into text
    # would be much of an export's time.
    graduated_on: str | None
    graduation_type: str
    updated_at: str
    wilayah: str  # the "wilayah" object, codes and names of the four levels, as JSON text
    alamat: str
    member_count: int
    pengurus_name: str | None
    pengurus_nik: str | None
    desil: int | None
    last_paid_year: int | None
    last_paid_tahap: int | None
    # JSON text as the feed stores it: [[id, programme code, agency, status, status changed at
    # (ISO, UTC)], ...] by referral id.
    referrals: str


(
    ID, KPM_ID, GRADUATED_ON, GRADUATION_TYPE, UPDATED_AT, WILAYAH, ALAMAT, MEMBER_COUNT,
    PENGURUS_NAME, PENGURUS_NIK, DESIL, LAST_PAID_YEAR, LAST_PAID_TAHAP, REFERRALS,
) = range(len(GraduationRow._fields))  # fmt: skip
REFERRAL_KEYS = ("id", "programme", "agency", "status", "status_changed_at")

Record = dict[str, Any]
HOUSEHOLD_FIELDS = frozenset(
    {
        SharedField.MEMBER_COUNT,
        SharedField.PENGURUS_NAME,
        SharedField.NIK,
        SharedField.NIK_MASKED,
    }
)


def record_builder(fields: Iterable[str]) -> Callable[[Sequence[Any]], Record]:
    """The function that turns a row into what an agreement allowing `fields` receives.
    Decided once per request, then applied to every row."""
    allowed = frozenset(fields)
    address = SharedField.ADDRESS in allowed
    household = bool(allowed & HOUSEHOLD_FIELDS)
    members = SharedField.MEMBER_COUNT in allowed
    name = SharedField.PENGURUS_NAME in allowed
    nik = SharedField.NIK in allowed
    masked = SharedField.NIK_MASKED in allowed and not nik
    desil = SharedField.DESIL in allowed
    tahap = SharedField.LAST_TAHAP in allowed
    referrals = SharedField.REFERRALS in allowed

    def build(row: Sequence[Any]) -> Record:
        # By position, not by name: the exports pass plain tuples (see GraduationRow).
        record: Record = {
            "kpm_id": row[KPM_ID],
            # Null only for a KPM marked graduated outside the workflow, without date or type.
            "graduated_on": row[GRADUATED_ON],
            "graduation_type": row[GRADUATION_TYPE] or None,
            "updated_at": row[UPDATED_AT],
            # Already JSON (the feed keeps it so): passed on as it is.
            "wilayah": Fragment(row[WILAYAH]),
        }
        if address:
            record["alamat"] = row[ALAMAT]
        if household:
            part: Record = {}
            if members:
                part["member_count"] = row[MEMBER_COUNT]
            if name:
                part["pengurus_name"] = row[PENGURUS_NAME]
            nik_value = row[PENGURUS_NIK]
            if nik:
                part["pengurus_nik"] = nik_value
            elif masked:
                part["pengurus_nik"] = nik_value and mask_nik(nik_value)
            record["household"] = part
        if desil:
            record["desil"] = row[DESIL]
        if tahap:
            year = row[LAST_PAID_YEAR]
            record["last_tahap_paid"] = (
                None if year is None else {"year": year, "tahap": row[LAST_PAID_TAHAP]}
            )
        if referrals:
            text = row[REFERRALS]
            record["referrals"] = (
                []
                if text == "[]"  # most KPM: skip parsing
                else [dict(zip(REFERRAL_KEYS, item, strict=True)) for item in loads(text)]
            )
        return record

    return build


# The flat columns of the CSV export, in order, for an agreement allowing `fields`.
CSV_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("kpm_id", None),
    ("graduated_on", None),
    ("graduation_type", None),
    ("updated_at", None),
    ("provinsi_code", None),
    ("provinsi_name", None),
    ("kabupaten_code", None),
    ("kabupaten_name", None),
    ("kecamatan_code", None),
    ("kecamatan_name", None),
    ("desa_code", None),
    ("desa_name", None),
    ("alamat", SharedField.ADDRESS),
    ("member_count", SharedField.MEMBER_COUNT),
    ("pengurus_name", SharedField.PENGURUS_NAME),
    ("pengurus_nik", "nik"),  # full or masked, whichever is allowed
    ("desil", SharedField.DESIL),
    ("last_paid_year", SharedField.LAST_TAHAP),
    ("last_paid_tahap", SharedField.LAST_TAHAP),
    ("referrals", SharedField.REFERRALS),  # "programme:status" joined by "|"
)


def csv_columns(fields: Iterable[str]) -> list[str]:
    """The CSV header for an agreement allowing `fields`."""
    allowed = frozenset(fields)
    nik = bool(allowed & {SharedField.NIK, SharedField.NIK_MASKED})
    return [
        column
        for column, needs in CSV_COLUMNS
        if needs is None or (nik if needs == "nik" else needs in allowed)
    ]
