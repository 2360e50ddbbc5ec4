"""What an agency receives for one graduated KPM, by its data-sharing agreement: the core every
agreement shares (KPM ID, graduation date and type, regions, when it last changed) plus only the
parts its `SharedField`s allow. A part not allowed is absent, never null or empty."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any, NamedTuple

from kpm.rules import mask_nik
from pengguna.models import SharedField


class Referral(NamedTuple):
    id: int
    programme: str  # the programme's code
    agency: str
    status: str
    status_changed_at: str  # ISO 8601, UTC


class GraduationRow(NamedTuple):
    """One graduated KPM as the selector reads it, before the agreement picks its parts."""

    id: int  # internal key: the feed's tie-breaker, never shared
    kpm_id: str
    # Dates and moments arrive as ISO 8601 text (moments in UTC, as isoformat() writes them),
    # made by the database: turning a few hundred thousand into objects and back into text
    # would be much of an export's time.
    graduated_on: str | None
    graduation_type: str
    updated_at: str
    desa_code: str
    desa_name: str
    kecamatan_name: str
    kabupaten_name: str
    provinsi_name: str
    alamat: str
    member_count: int
    pengurus_name: str | None
    pengurus_nik: str | None
    desil: int | None
    last_paid_year: int | None
    last_paid_tahap: int | None
    referrals: Sequence[Referral]


Record = dict[str, Any]
HOUSEHOLD_FIELDS = frozenset(
    {
        SharedField.MEMBER_COUNT,
        SharedField.PENGURUS_NAME,
        SharedField.NIK,
        SharedField.NIK_MASKED,
    }
)


def record_builder(fields: Iterable[str]) -> Callable[[GraduationRow], Record]:
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

    def build(row: GraduationRow) -> Record:
        record: Record = {
            "kpm_id": row.kpm_id,
            # Null only for a KPM marked graduated outside the workflow, without date or type.
            "graduated_on": row.graduated_on,
            "graduation_type": row.graduation_type or None,
            "updated_at": row.updated_at,
            "wilayah": _regions(row),
        }
        if address:
            record["alamat"] = row.alamat
        if household:
            part: Record = {}
            if members:
                part["member_count"] = row.member_count
            if name:
                part["pengurus_name"] = row.pengurus_name
            if nik:
                part["pengurus_nik"] = row.pengurus_nik
            elif masked:
                part["pengurus_nik"] = row.pengurus_nik and mask_nik(row.pengurus_nik)
            record["household"] = part
        if desil:
            record["desil"] = row.desil
        if tahap:
            record["last_tahap_paid"] = (
                {"year": row.last_paid_year, "tahap": row.last_paid_tahap}
                if row.last_paid_year is not None
                else None
            )
        if referrals:
            record["referrals"] = [
                {
                    "id": r.id,
                    "programme": r.programme,
                    "agency": r.agency,
                    "status": r.status,
                    "status_changed_at": r.status_changed_at,
                }
                for r in row.referrals
            ]
        return record

    return build


def _regions(row: GraduationRow) -> Record:
    code = row.desa_code
    return {
        "provinsi": {"code": code[:2], "name": row.provinsi_name},
        "kabupaten": {"code": code[:5], "name": row.kabupaten_name},
        "kecamatan": {"code": code[:8], "name": row.kecamatan_name},
        "desa": {"code": code, "name": row.desa_name},
    }


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


# A spreadsheet runs a cell that begins with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | None


def csv_safe(value: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def csv_row_builder(fields: Iterable[str]) -> Callable[[GraduationRow], list[Cell]]:
    """The function that turns a row into the CSV cells, in `csv_columns(fields)` order, of
    what an agreement allowing `fields` receives: the same values as `record_builder`,
    flattened, each text cell formula-safe. Each cell is read straight from the row (the
    export's speed); the tests hold it equal to `record_builder`'s record."""
    allowed = frozenset(fields)
    getters = dict(CSV_GETTERS)
    if SharedField.NIK not in allowed:
        getters["pengurus_nik"] = _masked_nik
    cells = [getters[column] for column in csv_columns(fields)]

    def row_cells(row: GraduationRow) -> list[Cell]:
        return [_cell(cell(row)) for cell in cells]

    return row_cells


def _masked_nik(row: GraduationRow) -> str | None:
    return row.pengurus_nik and mask_nik(row.pengurus_nik)


def _paid_tahap(row: GraduationRow) -> int | None:
    return row.last_paid_tahap if row.last_paid_year is not None else None


def _referral_cell(row: GraduationRow) -> str:
    return "|".join(f"{r.programme}:{r.status}" for r in row.referrals)


CSV_GETTERS: dict[str, Callable[[GraduationRow], Any]] = {
    "kpm_id": attrgetter("kpm_id"),
    "graduated_on": attrgetter("graduated_on"),
    "graduation_type": lambda row: row.graduation_type or None,
    "updated_at": attrgetter("updated_at"),
    "provinsi_code": lambda row: row.desa_code[:2],
    "provinsi_name": attrgetter("provinsi_name"),
    "kabupaten_code": lambda row: row.desa_code[:5],
    "kabupaten_name": attrgetter("kabupaten_name"),
    "kecamatan_code": lambda row: row.desa_code[:8],
    "kecamatan_name": attrgetter("kecamatan_name"),
    "desa_code": attrgetter("desa_code"),
    "desa_name": attrgetter("desa_name"),
    "alamat": attrgetter("alamat"),
    "member_count": attrgetter("member_count"),
    "pengurus_name": attrgetter("pengurus_name"),
    "pengurus_nik": attrgetter("pengurus_nik"),
    "desil": attrgetter("desil"),
    "last_paid_year": attrgetter("last_paid_year"),
    "last_paid_tahap": _paid_tahap,
    "referrals": _referral_cell,
}


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, int):
        return value
    return csv_safe(str(value))
