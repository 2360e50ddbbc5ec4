"""What each kind of data-sharing agreement receives for one graduated KPM: the exact keys at every
level of a record and of a CSV row, NIK masked or full, and nothing the agreement does not allow.
Pure: no database."""

from __future__ import annotations

from typing import Any

import pytest

from graduasi.agency.records import (
    GraduationRow,
    Referral,
    csv_columns,
    csv_row_builder,
    csv_safe,
    record_builder,
)
from pengguna.models import SharedField as F

CORE = {"kpm_id", "graduated_on", "graduation_type", "updated_at", "wilayah"}
CORE_COLUMNS = [
    "kpm_id",
    "graduated_on",
    "graduation_type",
    "updated_at",
    "provinsi_code",
    "provinsi_name",
    "kabupaten_code",
    "kabupaten_name",
    "kecamatan_code",
    "kecamatan_name",
    "desa_code",
    "desa_name",
]
CHANGED = "2026-03-02T01:02:03.456789+00:00"  # as the database writes it (iso_utc)


def row(**changes: Any) -> GraduationRow:
    base = GraduationRow(
        id=7,
        kpm_id="KDR-0001",
        graduated_on="2026-03-01",
        graduation_type="mandiri",
        updated_at=CHANGED,
        desa_code="35.71.01.1001",
        desa_name="Mojoroto",
        kecamatan_name="Mojoroto",
        kabupaten_name="Kota Kediri",
        provinsi_name="Jawa Timur",
        alamat="Jl. Uji 1",
        member_count=4,
        pengurus_name="Siti Aminah",
        pengurus_nik="3571015808780002",
        desil=3,
        last_paid_year=2026,
        last_paid_tahap=1,
        referrals=[Referral(11, "pnm-mekaar", "PNM", "diterima", CHANGED)],
    )
    return base._replace(**changes)


# (agreement, top-level keys beyond the core, household keys or None when absent)
AGREEMENTS = {
    "minimal": ((), set(), None),
    "masked_nik_and_name": (
        (F.NIK_MASKED, F.PENGURUS_NAME),
        {"household"},
        {"pengurus_name", "pengurus_nik"},
    ),
    "full": (
        (F.NIK, F.ADDRESS, F.DESIL, F.LAST_TAHAP, F.REFERRALS),
        {"household", "alamat", "desil", "last_tahap_paid", "referrals"},
        {"pengurus_nik"},
    ),
    "members_only": ((F.MEMBER_COUNT,), {"household"}, {"member_count"}),
    "everything": (
        tuple(f for f in F.values if f != F.NIK_MASKED),
        {"household", "alamat", "desil", "last_tahap_paid", "referrals"},
        {"member_count", "pengurus_name", "pengurus_nik"},
    ),
    "referrals_only": ((F.REFERRALS,), {"referrals"}, None),
}


@pytest.mark.parametrize("name", AGREEMENTS)
def test_each_agreement_gets_exactly_its_keys(name: str) -> None:
    fields, extra, household = AGREEMENTS[name]
    record = record_builder(fields)(row())
    assert set(record) == CORE | extra
    assert set(record["wilayah"]) == {"provinsi", "kabupaten", "kecamatan", "desa"}
    assert all(set(level) == {"code", "name"} for level in record["wilayah"].values())
    if household is None:
        assert "household" not in record
    else:
        assert set(record["household"]) == household
    if "referrals" in record:
        assert [set(r) for r in record["referrals"]] == [
            {"id", "programme", "agency", "status", "status_changed_at"}
        ]
    if "last_tahap_paid" in record:
        assert record["last_tahap_paid"] == {"year": 2026, "tahap": 1}


def test_core_values_and_region_codes_at_every_level() -> None:
    record = record_builder(())(row())
    assert record == {
        "kpm_id": "KDR-0001",
        "graduated_on": "2026-03-01",
        "graduation_type": "mandiri",
        "updated_at": "2026-03-02T01:02:03.456789+00:00",
        "wilayah": {
            "provinsi": {"code": "35", "name": "Jawa Timur"},
            "kabupaten": {"code": "35.71", "name": "Kota Kediri"},
            "kecamatan": {"code": "35.71.01", "name": "Mojoroto"},
            "desa": {"code": "35.71.01.1001", "name": "Mojoroto"},
        },
    }


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ((F.NIK,), "3571015808780002"),
        ((F.NIK_MASKED,), "3571********0002"),
        ((F.NIK, F.NIK_MASKED), "3571015808780002"),  # full wins if both were ever set
    ],
)
def test_nik_full_or_masked(fields: tuple[str, ...], shown: str) -> None:
    assert record_builder(fields)(row())["household"]["pengurus_nik"] == shown


def test_no_pengurus_gives_null_name_and_nik() -> None:
    record = record_builder((F.NIK_MASKED, F.PENGURUS_NAME))(
        row(pengurus_name=None, pengurus_nik=None)
    )
    assert record["household"] == {"pengurus_name": None, "pengurus_nik": None}


def test_last_tahap_is_null_when_never_paid() -> None:
    record = record_builder((F.LAST_TAHAP,))(row(last_paid_year=None, last_paid_tahap=None))
    assert record["last_tahap_paid"] is None


def test_no_referrals_is_an_empty_list() -> None:
    assert record_builder((F.REFERRALS,))(row(referrals=[]))["referrals"] == []


# CSV ------------------------------------------------------------------------------------------

CSV_AGREEMENTS = {
    "minimal": ((), []),
    "masked_nik_and_name": ((F.NIK_MASKED, F.PENGURUS_NAME), ["pengurus_name", "pengurus_nik"]),
    "full": (
        (F.NIK, F.ADDRESS, F.DESIL, F.LAST_TAHAP, F.REFERRALS),
        ["alamat", "pengurus_nik", "desil", "last_paid_year", "last_paid_tahap", "referrals"],
    ),
    "members_only": ((F.MEMBER_COUNT,), ["member_count"]),
}


@pytest.mark.parametrize("name", CSV_AGREEMENTS)
def test_csv_columns_per_agreement(name: str) -> None:
    fields, extra = CSV_AGREEMENTS[name]
    assert csv_columns(fields) == CORE_COLUMNS + extra


def test_csv_row_carries_the_records_values_in_column_order() -> None:
    fields = (F.NIK_MASKED, F.ADDRESS, F.MEMBER_COUNT, F.LAST_TAHAP, F.REFERRALS)
    cells = dict(zip(csv_columns(fields), csv_row_builder(fields)(row()), strict=True))
    assert cells == {
        "kpm_id": "KDR-0001",
        "graduated_on": "2026-03-01",
        "graduation_type": "mandiri",
        "updated_at": "2026-03-02T01:02:03.456789+00:00",
        "provinsi_code": "35",
        "provinsi_name": "Jawa Timur",
        "kabupaten_code": "35.71",
        "kabupaten_name": "Kota Kediri",
        "kecamatan_code": "35.71.01",
        "kecamatan_name": "Mojoroto",
        "desa_code": "35.71.01.1001",
        "desa_name": "Mojoroto",
        "alamat": "Jl. Uji 1",
        "member_count": 4,
        "pengurus_nik": "3571********0002",
        "last_paid_year": 2026,
        "last_paid_tahap": 1,
        "referrals": "pnm-mekaar:diterima",
    }


def test_csv_never_paid_leaves_tahap_cells_empty() -> None:
    fields = (F.LAST_TAHAP,)
    cells = csv_row_builder(fields)(row(last_paid_year=None, last_paid_tahap=None))
    assert cells[-2:] == [None, None]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+62 812", "'+62 812"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Jl. Uji = 1", "Jl. Uji = 1"),
        ("", ""),
    ],
)
def test_csv_cells_are_formula_safe(value: str, safe: str) -> None:
    assert csv_safe(value) == safe
    cells = csv_row_builder((F.ADDRESS,))(row(alamat=value))
    assert cells[-1] == safe


def _flattened(record: dict[str, Any]) -> dict[str, Any]:
    """The record as flat CSV columns, written the plain way: the oracle for the CSV cells."""
    flat = {k: v for k, v in record.items() if not isinstance(v, dict | list)}
    for level, region in record["wilayah"].items():
        flat[f"{level}_code"], flat[f"{level}_name"] = region["code"], region["name"]
    flat.update(record.get("household", {}))
    if (paid := record.get("last_tahap_paid")) is not None:
        flat["last_paid_year"], flat["last_paid_tahap"] = paid["year"], paid["tahap"]
    if "referrals" in record:
        flat["referrals"] = "|".join(f"{r['programme']}:{r['status']}" for r in record["referrals"])
    return flat


@pytest.mark.parametrize("fields", [(), tuple(F), tuple(f for f in F if f != F.NIK)])
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"last_paid_year": None, "last_paid_tahap": 3, "referrals": []},
        {"pengurus_nik": None, "pengurus_name": None, "graduation_type": ""},
        {"alamat": "=SUM(A1)", "pengurus_name": "@Ibu"},
    ],
)
def test_csv_cells_are_the_record_flattened(fields, changes) -> None:
    if F.NIK in fields and F.NIK_MASKED in fields:
        fields = tuple(f for f in fields if f != F.NIK_MASKED)
    the_row = row(**changes)
    flat = _flattened(record_builder(fields)(the_row))
    expected = [
        v if v is None or isinstance(v, int) else csv_safe(str(v))
        for v in (flat.get(column) for column in csv_columns(fields))
    ]
    assert csv_row_builder(fields)(the_row) == expected
