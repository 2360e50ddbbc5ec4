"""What each kind of data-sharing agreement receives for one graduated KPM: the exact keys at every
level of a record and of a CSV row, NIK masked or full, and nothing the agreement does not allow.
Pure: no database."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from graduasi.agency.records import GraduationRow, csv_columns, record_builder
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
REGIONS = {
    "provinsi": {"code": "35", "name": "Jawa Timur"},
    "kabupaten": {"code": "35.71", "name": "Kota Kediri"},
    "kecamatan": {"code": "35.71.01", "name": "Mojoroto"},
    "desa": {"code": "35.71.01.1001", "name": "Mojoroto"},
}


def sent(record: dict[str, Any]) -> dict[str, Any]:
    """The record as a client reads it (the regions arrive as JSON text, passed on as is)."""
    return orjson.loads(orjson.dumps(record))


def row(**changes: Any) -> GraduationRow:
    base = GraduationRow(
        id=7,
        kpm_id="KDR-0001",
        graduated_on="2026-03-01",
        graduation_type="mandiri",
        updated_at=CHANGED,
        wilayah=orjson.dumps(REGIONS).decode(),
        alamat="Jl. Uji 1",
        member_count=4,
        pengurus_name="Siti Aminah",
        pengurus_nik="3571015808780002",
        desil=3,
        last_paid_year=2026,
        last_paid_tahap=1,
        referrals=orjson.dumps([[11, "pnm-mekaar", "PNM", "diterima", CHANGED]]).decode(),
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
    record = sent(record_builder(fields)(row()))
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


def test_core_values_and_regions() -> None:
    record = sent(record_builder(())(row()))
    assert record == {
        "kpm_id": "KDR-0001",
        "graduated_on": "2026-03-01",
        "graduation_type": "mandiri",
        "updated_at": "2026-03-02T01:02:03.456789+00:00",
        "wilayah": REGIONS,
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
    assert record_builder((F.REFERRALS,))(row(referrals="[]"))["referrals"] == []


def test_referrals_in_the_stored_order_with_their_keys() -> None:
    stored = [[12, "kur", "BRI", "dirujuk", CHANGED], [15, "ppse", "Kemensos", "selesai", CHANGED]]
    record = record_builder((F.REFERRALS,))(row(referrals=orjson.dumps(stored).decode()))
    assert record["referrals"] == [
        {"id": 12, "programme": "kur", "agency": "BRI", "status": "dirujuk",
         "status_changed_at": CHANGED},
        {"id": 15, "programme": "ppse", "agency": "Kemensos", "status": "selesai",
         "status_changed_at": CHANGED},
    ]  # fmt: skip


def test_a_plain_tuple_builds_the_same_record() -> None:
    """The exports hand the builder database rows as plain tuples in GraduationRow's order."""
    fields = tuple(f for f in F.values if f != F.NIK_MASKED)
    assert sent(record_builder(fields)(tuple(row()))) == sent(record_builder(fields)(row()))


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
