"""/api/v1/graduations/export.ndjson and .csv: the same records as the list for the same filters,
streamed; the CSV's header is the agreement's columns and its cells are formula-safe; the access
log covers exactly the KPM streamed, one event per block of records."""

from __future__ import annotations

import csv
import io
from collections.abc import Generator
from datetime import date
from typing import Any

import orjson
import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from audit.models import AccessEvent
from graduasi.agency import exports, selectors
from graduasi.agency.records import csv_columns, record_builder
from graduasi.agency.selectors import FeedFilters, graduation_stream
from kpm.models import Anggota, GraduationType, Kpm, KpmStatus
from pemberdayaan.models import Programme, Referral
from pengguna.models import SharedField
from tests.conftest import World, bearer, make_api_client
from tests.factories import KpmFactory
from tests.graduasi.test_agency_api import LIST, Feed, feed_world

pytestmark = pytest.mark.django_db

NDJSON = f"{LIST}export.ndjson"
CSV = f"{LIST}export.csv"


@pytest.fixture
def feed(world: World) -> Feed:
    return feed_world(world)


def signed(key: str) -> dict[str, Any]:
    return dict(bearer(key))


def download(key: str, path: str, **params: Any) -> tuple[Any, bytes]:
    response = Client().get(path, params, **signed(key))
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content)  # type: ignore[arg-type]


def listed(key: str, **params: Any) -> list[dict[str, Any]]:
    response = Client().get(LIST, {**params, "page_size": 1000}, **signed(key))
    body = response.json()
    assert body["next"] is None
    return body["results"]


def ndjson(body: bytes) -> list[dict[str, Any]]:
    assert body.endswith(b"\n") or body == b""
    return [orjson.loads(line) for line in body.splitlines()]


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


@pytest.mark.parametrize(
    "params",
    [{}, {"wilayah": "35.71"}, {"type": "alamiah"}, {"referral_status": "diterima"}],
)
@pytest.mark.parametrize("client", ["national", "kota", "minimal"])
def test_ndjson_is_the_lists_records(feed: Feed, client: str, params: dict[str, str]) -> None:
    key = getattr(feed, client)[1]
    response, body = download(key, NDJSON, **params)
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"].startswith('attachment; filename="graduasi-')
    assert response["Content-Disposition"].endswith('.ndjson"')
    assert ndjson(body) == listed(key, **params)


@pytest.mark.parametrize("client", ["national", "kota", "minimal"])
def test_csv_has_the_agreements_columns_and_the_lists_values(feed: Feed, client: str) -> None:
    api_client, key = getattr(feed, client)
    response, body = download(key, CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    header, *rows = csv_rows(body)
    assert header == csv_columns(api_client.fields)
    records = listed(key)
    assert [r[0] for r in rows] == [r["kpm_id"] for r in records]
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    for record in records:
        cells = by_id[record["kpm_id"]]
        assert cells["graduated_on"] == record["graduated_on"]
        assert cells["updated_at"] == record["updated_at"]
        assert cells["desa_code"] == record["wilayah"]["desa"]["code"]
        assert cells["kabupaten_name"] == record["wilayah"]["kabupaten"]["name"]
        if "household" in record and "pengurus_nik" in record["household"]:
            assert cells["pengurus_nik"] == record["household"]["pengurus_nik"]
        if "referrals" in record:
            expected = "|".join(f"{r['programme']}:{r['status']}" for r in record["referrals"])
            assert cells["referrals"] == expected


def formula_safe(value: str) -> str:
    return f"'{value}" if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def flattened(record: dict[str, Any], columns: list[str]) -> list[str]:
    """A record as the CSV row it should be once read back, written the plain way: the oracle
    for the fields PostgreSQL writes."""
    flat = {k: v for k, v in record.items() if not isinstance(v, dict | list)}
    for level, region in record["wilayah"].items():
        flat[f"{level}_code"], flat[f"{level}_name"] = region["code"], region["name"]
    flat.update(record.get("household", {}))
    if (paid := record.get("last_tahap_paid")) is not None:
        flat["last_paid_year"], flat["last_paid_tahap"] = paid["year"], paid["tahap"]
    if "referrals" in record:
        flat["referrals"] = "|".join(f"{r['programme']}:{r['status']}" for r in record["referrals"])
    cells = [flat.get(column) for column in columns]
    return ["" if v is None else str(v) if isinstance(v, int) else formula_safe(v) for v in cells]


@pytest.mark.parametrize("client", ["national", "kota", "minimal", "masked"])
def test_csv_rows_are_the_lists_records_flattened(feed: Feed, world: World, client: str) -> None:
    """Awkward text (quotes, commas, line breaks, formula starts), a KPM never paid, one without
    a pengurus, one with two referrals and one with none: each CSV row read back is its record."""
    kota_1, kota_2 = feed.kota_mandiri, feed.kota_alamiah
    Kpm.objects.filter(pk=kota_1.pk).update(alamat='Jl. "Mawar", No. 5\r\nRT 2')
    Kpm.objects.filter(pk=kota_2.pk).update(alamat="-5 dari pasar", last_paid_year=None)
    Anggota.objects.filter(kpm=kota_1, is_pengurus=True).update(nama='=Siti, "Bu RT"')
    Anggota.objects.filter(kpm=feed.kab_sejahtera, is_pengurus=True).update(is_pengurus=False)
    Referral.objects.create(
        kpm=kota_1, programme=Programme.objects.order_by("-id")[0], status="selesai",
        consent_on=date(2026, 3, 1), consent_by=world.admin, created_by=world.admin,
    )  # fmt: skip
    if client == "masked":
        key = make_api_client(
            "Masked", fields=tuple(f for f in SharedField.values if f != SharedField.NIK)
        )[1]
    else:
        key = getattr(feed, client)[1]
    header, *rows = csv_rows(download(key, CSV)[1])
    records = listed(key)
    assert len(rows) == len(records) >= 3
    for row, record in zip(rows, records, strict=True):
        assert row == flattened(record, header)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    if "alamat" in header:
        assert by_id["G-KOTA-1"]["alamat"] == 'Jl. "Mawar", No. 5\r\nRT 2'
        assert by_id["G-KOTA-2"]["alamat"] == "'-5 dari pasar"
    if "pengurus_name" in header:
        assert by_id["G-KOTA-1"]["pengurus_name"] == '\'=Siti, "Bu RT"'
        if "G-KAB-1" in by_id:
            assert by_id["G-KAB-1"]["pengurus_name"] == ""
    if "referrals" in header:
        assert by_id["G-KOTA-1"]["referrals"].count("|") == 1
        assert by_id["G-KAB-1"]["referrals"] == ""


def test_csv_header_per_agreement(feed: Feed) -> None:
    assert csv_rows(download(feed.minimal[1], CSV)[1])[0] == [
        "kpm_id", "graduated_on", "graduation_type", "updated_at", "provinsi_code",
        "provinsi_name", "kabupaten_code", "kabupaten_name", "kecamatan_code", "kecamatan_name",
        "desa_code", "desa_name",
    ]  # fmt: skip
    assert csv_rows(download(feed.kota[1], CSV)[1])[0][-2:] == ["pengurus_name", "pengurus_nik"]


def test_csv_cells_cannot_run_as_formulas(feed: Feed) -> None:
    Kpm.objects.filter(pk=feed.kota_mandiri.pk).update(alamat='=HYPERLINK("http://x","klik")')
    Kpm.objects.filter(pk=feed.kota_alamiah.pk).update(alamat="@SUM(1+1)")
    header, *rows = csv_rows(download(feed.national[1], CSV)[1])
    alamat = {r[0]: r[header.index("alamat")] for r in rows}
    assert alamat["G-KOTA-1"] == """'=HYPERLINK("http://x","klik")"""
    assert alamat["G-KOTA-2"] == "'@SUM(1+1)"
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_empty_export_is_a_header_and_logs_nothing(feed: Feed) -> None:
    assert csv_rows(download(feed.kota[1], CSV, wilayah="32")[1]) == [
        csv_columns(feed.kota[0].fields)
    ]
    assert download(feed.kota[1], NDJSON, wilayah="32")[1] == b""
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("path", [NDJSON, CSV])
def test_access_log_covers_exactly_the_ids_streamed(
    feed: Feed, world: World, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks, so that 23 KPM make several log events.
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", 4)
    monkeypatch.setattr(exports, "LOG_EVERY", 8)
    for n in range(20):
        KpmFactory(
            kpm_id=f"G-EXP-{n:02d}", desa_code="35.71.01.1001", status=KpmStatus.GRADUATED,
            graduated_on=date(2026, 5, 1), graduation_type=GraduationType.MANDIRI,
        )  # fmt: skip
    api_client, key = feed.kota
    _response, body = download(key, path)
    streamed = (
        [r["kpm_id"] for r in ndjson(body)]
        if path == NDJSON
        else [r[0] for r in csv_rows(body)[1:]]
    )
    assert len(streamed) == 23  # 20 + 3 graduated in Kota Kediri
    events = list(AccessEvent.objects.order_by("id"))
    assert [e.record_count for e in events] == [8, 8, 7]
    assert [i for e in events for i in e.record_ids] == streamed
    for event in events:
        assert event.client_id == api_client.pk and event.purpose == api_client.purpose
        assert event.endpoint == path and event.object_type == "kpm"
        assert event.detail["agreement"] == api_client.agreement_number


def test_a_client_that_stops_reading_is_logged_for_what_it_was_handed(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", 2)
    client = feed.national[0]
    logged: list[list[str]] = []
    body = exports.ndjson_stream(
        graduation_stream(client, FeedFilters()), record_builder(client.fields), logged.append
    )
    assert isinstance(body, Generator)
    first = next(body)
    assert logged == []  # logged by the block of LOG_EVERY, or when the stream ends
    body.close()  # what the server does when the client goes away
    assert logged == [[orjson.loads(line)["kpm_id"] for line in first.splitlines()]]
    assert len(logged[0]) == 2


def test_odd_accept_header_still_gets_the_export(feed: Feed) -> None:
    response = Client().get(NDJSON, HTTP_ACCEPT="application/xml", **signed(feed.minimal[1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    refused = Client().get(CSV, HTTP_ACCEPT="image/png", HTTP_AUTHORIZATION="Bearer x.y")
    assert refused.status_code == 401 and refused["Content-Type"] == "application/json"
