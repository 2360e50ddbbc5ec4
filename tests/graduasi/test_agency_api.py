"""/api/v1/graduations/: an agency client receives the graduated KPM in its regions with exactly the
parts its agreement allows, filtered and keyset-paged as it asks; bad input is a coded 400, anyone
but an agency client is refused, anything it may not see is the same 404, and every record served
is in the access log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessEvent
from kpm.models import Anggota, GraduationType, Kpm, KpmStatus, MemberStatus, Relationship, Sex
from pemberdayaan.models import Programme, Referral
from pengguna.models import ApiClient, SharedField, User
from tests.conftest import World, bearer, make_api_client
from tests.factories import AnggotaFactory, KpmFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/graduations/"
CORE = {"kpm_id", "graduated_on", "graduation_type", "updated_at", "wilayah"}
EVERYTHING = tuple(f for f in SharedField.values if f != SharedField.NIK_MASKED)
DESA_JABAR = "32.01.01.1001"  # a kelurahan in Kabupaten Bogor, Jawa Barat


def graduate(
    kpm_id: str,
    desa: str,
    *,
    type: str = GraduationType.MANDIRI,
    on: date = date(2026, 1, 10),
    children: int = 1,
    referral: str | None = None,
    by: User | None = None,
) -> Kpm:
    """A graduated KPM with a pengurus, `children` active children plus one member who died,
    and a referral in `referral` status when given."""
    kpm = KpmFactory.create(
        kpm_id=kpm_id, desa_code=desa, status=KpmStatus.GRADUATED, graduated_on=on,
        graduation_type=type, last_paid_year=on.year, last_paid_tahap=1, desil=3,
    )  # fmt: skip
    AnggotaFactory(kpm=kpm, pengurus=True)
    for _ in range(children):
        AnggotaFactory(
            kpm=kpm, hubungan=Relationship.CHILD, jenis_kelamin=Sex.MALE, nama="Anak",
            tanggal_lahir=date(2015, 5, 5),
        )  # fmt: skip
    AnggotaFactory(
        kpm=kpm, hubungan=Relationship.PARENT, status=MemberStatus.DIED, nama="Kakek",
        tanggal_lahir=date(1940, 1, 1),
    )  # fmt: skip
    if referral is not None:
        assert by is not None
        Referral.objects.create(
            kpm=kpm, programme=Programme.objects.order_by("id")[0], status=referral,
            consent_on=on, consent_by=by, created_by=by,
        )  # fmt: skip
    return kpm


@dataclass
class Feed:
    """Graduated KPM in two kabupaten of Jawa Timur and one in Jawa Barat, one active KPM, and
    clients under different agreements and regions."""

    kota_mandiri: Kpm  # Kota Kediri, kecamatan 35.71.01, referral diterima
    kota_alamiah: Kpm  # Kota Kediri, kecamatan 35.71.03, referral dirujuk
    kab_sejahtera: Kpm  # Kabupaten Kediri
    jabar: Kpm  # Jawa Barat
    active: Kpm  # not graduated
    national: tuple[ApiClient, str]  # every field, every region
    kota: tuple[ApiClient, str]  # masked NIK and name, Kota Kediri only
    minimal: tuple[ApiClient, str]  # the core only, every region


def feed_world(world: World) -> Feed:
    # The shared world's graduated KPM was marked graduated without a date or type: give it one.
    Kpm.objects.filter(pk=world.kpm_graduated.pk).update(
        graduated_on=date(2025, 6, 1), graduation_type=GraduationType.ALAMIAH
    )
    admin = world.admin
    return Feed(
        kota_mandiri=graduate("G-KOTA-1", "35.71.01.1001", referral="diterima", by=admin),
        kota_alamiah=graduate(
            "G-KOTA-2",
            "35.71.03.1004",
            type=GraduationType.ALAMIAH,
            on=date(2026, 2, 15),
            referral="dirujuk",
            by=admin,
            children=2,
        ),
        kab_sejahtera=graduate(
            "G-KAB-1", "35.06.01.2001", type=GraduationType.SEJAHTERA, on=date(2026, 3, 20)
        ),
        jabar=graduate("G-JABAR-1", DESA_JABAR, on=date(2026, 4, 1)),
        active=world.kpm_own,
        national=make_api_client("Kemenko PM", fields=EVERYTHING),
        kota=make_api_client(
            "PNM Kediri",
            fields=(SharedField.NIK_MASKED, SharedField.PENGURUS_NAME),
            regions=("35.71",),
        ),
        minimal=make_api_client("KemenKopUKM"),
    )


@pytest.fixture
def feed(world: World) -> Feed:
    return feed_world(world)


def get(key: str | None, path: str = LIST, **params: Any) -> Any:
    headers: dict[str, Any] = bearer(key) if key else {}
    return Client().get(path, params, **headers)


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {r["kpm_id"] for r in response.json()["results"]}


def is_error(response: Any, status: int, code: str) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"code", "detail", "fields"}
    return body


def graduated_ids() -> set[str]:
    return set(Kpm.objects.filter(status=KpmStatus.GRADUATED).values_list("kpm_id", flat=True))


# Fields per agreement ----------------------------------------------------------------------------


def test_national_client_with_every_field_gets_every_part(feed: Feed) -> None:
    response = get(feed.national[1], page_size=1000)
    records = {r["kpm_id"]: r for r in response.json()["results"]}
    assert set(records) == graduated_ids()
    record = records["G-KOTA-1"]
    assert set(record) == CORE | {"alamat", "household", "desil", "last_tahap_paid", "referrals"}
    assert set(record["household"]) == {"member_count", "pengurus_name", "pengurus_nik"}
    pengurus = Anggota.objects.get(kpm=feed.kota_mandiri, is_pengurus=True)
    assert record["household"] == {
        "member_count": 2,  # the pengurus and one child; the member who died is not counted
        "pengurus_name": pengurus.nama,
        "pengurus_nik": pengurus.nik,
    }
    assert record["last_tahap_paid"] == {"year": 2026, "tahap": 1}
    assert record["desil"] == 3
    referral = Referral.objects.get(kpm=feed.kota_mandiri)
    assert record["referrals"] == [
        {
            "id": referral.pk,
            "programme": referral.programme.code,
            "agency": referral.programme.agency,
            "status": "diterima",
            "status_changed_at": referral.status_changed_at.isoformat(),
        }
    ]
    assert records["G-KOTA-2"]["household"]["member_count"] == 3
    assert records["G-KAB-1"]["referrals"] == []
    assert record["wilayah"]["kecamatan"] == {"code": "35.71.01", "name": "Mojoroto"}


def test_masked_nik_and_name_agreement_gets_only_those(feed: Feed) -> None:
    response = get(feed.kota[1])
    for record in response.json()["results"]:
        assert set(record) == CORE | {"household"}
        assert set(record["household"]) == {"pengurus_name", "pengurus_nik"}
        nik = record["household"]["pengurus_nik"]
        assert nik[4:12] == "********" and len(nik) == 16


def test_minimal_agreement_gets_the_core_only_in_list_and_detail(feed: Feed) -> None:
    listed = get(feed.minimal[1]).json()["results"]
    assert listed and all(set(r) == CORE for r in listed)
    detail = get(feed.minimal[1], f"{LIST}G-KAB-1/").json()
    assert set(detail) == CORE
    assert detail["graduation_type"] == "sejahtera" and detail["graduated_on"] == "2026-03-20"


def test_detail_is_the_same_record_as_in_the_list(feed: Feed) -> None:
    key = feed.national[1]
    listed = {r["kpm_id"]: r for r in get(key, page_size=1000).json()["results"]}
    assert get(key, f"{LIST}G-KOTA-2/").json() == listed["G-KOTA-2"]


# Filters and regions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"wilayah": "35"}, {"G-KOTA-1", "G-KOTA-2", "G-KAB-1", "KDR-GRAD"}),
        ({"wilayah": "35.71"}, {"G-KOTA-1", "G-KOTA-2", "KDR-GRAD"}),
        ({"wilayah": "35.71.03"}, {"G-KOTA-2"}),
        ({"wilayah": "35.71.01.1001"}, {"G-KOTA-1", "KDR-GRAD"}),
        ({"wilayah": "32"}, {"G-JABAR-1"}),
        ({"graduated_from": "2026-02-15"}, {"G-KOTA-2", "G-KAB-1", "G-JABAR-1"}),
        ({"graduated_to": "2026-02-15"}, {"G-KOTA-1", "G-KOTA-2", "KDR-GRAD"}),
        ({"graduated_from": "2026-02-01", "graduated_to": "2026-03-31"}, {"G-KOTA-2", "G-KAB-1"}),
        ({"type": "alamiah"}, {"G-KOTA-2", "KDR-GRAD"}),
        ({"type": "sejahtera"}, {"G-KAB-1"}),
        ({"referral_status": "diterima"}, {"G-KOTA-1"}),
        ({"referral_status": "dirujuk"}, {"G-KOTA-2"}),
        ({"referral_status": "selesai"}, set()),
        ({"wilayah": "35.71", "type": "mandiri"}, {"G-KOTA-1"}),
    ],
)
def test_filters(feed: Feed, params: dict[str, str], expected: set[str]) -> None:
    assert ids(get(feed.national[1], **params)) == expected


def test_updated_since_returns_what_changed_at_or_after_it(feed: Feed) -> None:
    past = timezone.now() - timedelta(days=1)
    Kpm.objects.filter(status=KpmStatus.GRADUATED).update(updated_at=past)
    # The trigger stamps the transaction's start time, and this test is one transaction.
    since = past + timedelta(seconds=1)
    # A member's change moves the KPM's updated_at (a database trigger).
    Anggota.objects.filter(kpm=feed.kab_sejahtera, is_pengurus=True).update(nama="Nama Baru")
    key = feed.national[1]
    assert ids(get(key, updated_since=since.isoformat())) == {"G-KAB-1"}
    # An unencoded "+" reaches the server as a space; it is read as the "+" it was.
    jakarta = since.astimezone(timezone.get_fixed_timezone(420)).isoformat()
    assert ids(get(key, updated_since=jakarta.replace("+", " "))) == {"G-KAB-1"}
    assert ids(get(key, updated_since=past.isoformat())) == graduated_ids()


def test_region_restricted_client_sees_only_its_regions(feed: Feed) -> None:
    key = feed.kota[1]
    assert ids(get(key)) == {"G-KOTA-1", "G-KOTA-2", "KDR-GRAD"}
    # A region outside the agreement is not an error: it simply matches nothing.
    assert ids(get(key, wilayah="35.06")) == set()
    assert ids(get(key, wilayah="32")) == set()
    assert ids(get(key, wilayah="35")) == {"G-KOTA-1", "G-KOTA-2", "KDR-GRAD"}


# Keyset pagination -------------------------------------------------------------------------------


def test_cursor_walks_every_page_once_in_a_stable_order(feed: Feed) -> None:
    # Ties on updated_at are broken by id: give most rows the same time.
    same = timezone.now() - timedelta(hours=1)
    Kpm.objects.filter(status=KpmStatus.GRADUATED).exclude(kpm_id="G-JABAR-1").update(
        updated_at=same
    )
    for n in range(7):
        graduate(f"G-EXTRA-{n}", "35.71.01.1001", children=0)
    key, pages = feed.national[1], 0
    seen: list[str] = []
    response = get(key, page_size=2)
    while True:
        body = response.json()
        assert response.status_code == 200 and len(body["results"]) <= 2
        seen.extend(r["kpm_id"] for r in body["results"])
        pages += 1
        if body["next"] is None:
            assert body["next_cursor"] is None
            break
        query = parse_qs(urlsplit(body["next"]).query)
        assert query["cursor"] == [body["next_cursor"]] and query["page_size"] == ["2"]
        assert body["next"].startswith("http://testserver/api/v1/graduations/")
        response = get(key, cursor=body["next_cursor"], page_size=2)
    assert len(seen) == len(set(seen)) == len(graduated_ids()) == 12
    assert pages == 6
    order = list(
        Kpm.objects.filter(status=KpmStatus.GRADUATED)
        .order_by("updated_at", "id")
        .values_list("kpm_id", flat=True)
    )
    assert seen == order


def test_last_page_exactly_full_has_no_next(feed: Feed) -> None:
    body = get(feed.national[1], page_size=len(graduated_ids())).json()
    assert body["next"] is None and body["next_cursor"] is None


def test_page_size_defaults_to_100(feed: Feed) -> None:
    for n in range(100):
        KpmFactory(
            kpm_id=f"G-BULK-{n:03d}", status=KpmStatus.GRADUATED, graduated_on=date(2026, 1, 1),
            graduation_type=GraduationType.MANDIRI,
        )  # fmt: skip
    body = get(feed.minimal[1]).json()
    assert len(body["results"]) == 100 and body["next_cursor"]


# Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "MjAyNi0wMS0wMVQwMDowMDowMHw"}, "cursor"),  # no id
        ({"cursor": "MjAyNi0wMS0wMVQwMDowMDowMHwx"}, "cursor"),  # no time zone
        ({"cursor": "MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "sepuluh"}, "page_size"),
        ({"graduated_from": "31-01-2026"}, "graduated_from"),
        ({"graduated_to": "2026-02-30"}, "graduated_to"),
        ({"graduated_from": "2026-03-01", "graduated_to": "2026-02-01"}, "graduated_to"),
        ({"type": "lulus"}, "type"),
        ({"referral_status": "done"}, "referral_status"),
        ({"updated_since": "2026-01-01T00:00:00"}, "updated_since"),  # no offset
        ({"updated_since": "kemarin"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:00:00+14:00"}, "updated_since"),  # before year 1 in UTC
        ({"wilayah": "3571"}, "wilayah"),
        ({"wilayah": "35.7"}, "wilayah"),
        ({"wilayah": "٣٥"}, "wilayah"),  # Arabic-Indic digits are not a region code
    ],
)
def test_bad_input_is_a_coded_400_naming_the_field(
    feed: Feed, params: dict[str, str], field: str
) -> None:
    for path in (LIST, f"{LIST}export.ndjson", f"{LIST}export.csv"):
        if path != LIST and field in ("cursor", "page_size"):
            continue  # the exports take neither
        body = is_error(get(feed.national[1], path, **params), 400, "invalid")
        assert list(body["fields"]) == [field]
        assert all(isinstance(m, str) and m for m in body["fields"][field])
    assert not AccessEvent.objects.exists()


def test_messages_are_indonesian(feed: Feed) -> None:
    body = get(feed.national[1], page_size="0").json()
    assert body["fields"]["page_size"] == ["Ukuran halaman paling sedikit 1."]
    body = get(feed.national[1], cursor="x").json()
    assert "Kursor tidak sah" in body["fields"]["cursor"][0]


# Who may call ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [LIST, f"{LIST}G-KOTA-1/", f"{LIST}export.ndjson", f"{LIST}export.csv"]
)
def test_refusals(feed: Feed, world: World, path: str) -> None:
    is_error(get(None, path), 401, "not_authenticated")
    is_error(get("nope.nope", path), 401, "invalid_key")
    for user in (world.dinsos_kota, world.agency, world.admin):
        client = Client()
        client.force_login(user)
        is_error(client.get(path), 403, "forbidden")
    assert not AccessEvent.objects.exists()


def test_expired_agreement_is_refused(feed: Feed) -> None:
    client, key = feed.kota
    ApiClient.objects.filter(pk=client.pk).update(expires_on=date(2020, 1, 1))
    is_error(get(key), 401, "agreement_expired")


# 404 ---------------------------------------------------------------------------------------------


def test_not_graduated_out_of_region_and_unknown_are_the_same_404(feed: Feed) -> None:
    key = feed.kota[1]
    bodies = [
        is_error(get(key, f"{LIST}{kpm_id}/"), 404, "not_found")
        for kpm_id in (feed.active.kpm_id, "G-KAB-1", "G-JABAR-1", "TIDAK-ADA", "x" * 200)
    ]
    assert all(body == bodies[0] for body in bodies)
    assert set(bodies[0]) == {"code", "detail"}
    assert get(key, f"{LIST}G-KOTA-1/").status_code == 200
    assert AccessEvent.objects.count() == 1


# Access log --------------------------------------------------------------------------------------


def test_each_page_and_detail_is_logged_with_its_ids(feed: Feed) -> None:
    client, key = feed.kota
    first = get(key, page_size=2).json()
    second = get(key, page_size=2, cursor=first["next_cursor"]).json()
    get(key, f"{LIST}G-KOTA-2/")
    events = list(AccessEvent.objects.order_by("id"))
    assert [e.record_ids for e in events] == [
        [r["kpm_id"] for r in first["results"]],
        [r["kpm_id"] for r in second["results"]],
        ["G-KOTA-2"],
    ]
    for event in events:
        assert event.client_id == client.pk and event.actor_id == client.user_id
        assert event.purpose == client.purpose and event.object_type == "kpm"
        assert event.record_count == len(event.record_ids)
        assert event.detail == {
            "agreement": client.agreement_number,
            "fields": ["nik_tersamar", "nama_pengurus"],
        }
    assert events[0].endpoint == "/api/v1/graduations/?page_size=2"
    assert events[2].endpoint == "/api/v1/graduations/G-KOTA-2/"


def test_an_empty_page_logs_nothing(feed: Feed) -> None:
    assert ids(get(feed.kota[1], wilayah="35.06")) == set()
    assert not AccessEvent.objects.exists()


# Cost --------------------------------------------------------------------------------------------


def queries_for(key: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert get(key, **params).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_the_page(
    feed: Feed, world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        graduate(f"G-MORE-{n:02d}", "35.71.01.1001", referral="berjalan", by=world.admin)
    key = feed.national[1]
    small, large = queries_for(key, page_size=1), queries_for(key, page_size=1000)
    assert small == large
    with django_assert_max_num_queries(6):
        get(key, page_size=1000)
    with django_assert_max_num_queries(6):
        get(key, f"{LIST}G-MORE-07/")
