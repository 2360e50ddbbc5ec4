"""/api/v1/kpm/: Dinsos, ministry staff and admins read the KPM in their scope with the current
graduation assessment, by session or their own key; pendamping and agencies are refused; what
is out of scope is a 404 like what does not exist. NIK and No KK are masked in the list and in
the detail for every role the HTML profile masks them for."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from graduasi.models import AssessmentStatus, KpmAssessment, PipelineRun
from kpm.models import Kpm, KpmStatus, MemberStatus
from kpm.rules import mask_nik
from pemberdayaan.models import Programme, Referral, ReferralStatus
from pengguna.api_clients import api_key_issue
from pengguna.models import User
from tests.conftest import DESA_KAB_KEDIRI, DESA_KOTA_KEDIRI, World, bearer, make_api_client
from tests.factories import AnggotaFactory, KpmFactory

LIST = "/api/v1/kpm/"
ALL = {"KDR-OWN", "KDR-SAME", "KAB-OTHER", "KDR-GRAD"}
KOTA = {"KDR-OWN", "KDR-SAME", "KDR-GRAD"}

pytestmark = pytest.mark.django_db


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def keyed(raw_key: str) -> APIClient:
    """A client signing every request with an API key."""
    client = APIClient()
    client.credentials(**bearer(raw_key))
    return client


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.json()
    return {row["kpm_id"] for row in response.json()["results"]}


def is_error(response: Any, status: int, code: str) -> bool:
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code, body
    assert set(body) <= {"code", "detail", "fields"}
    return True


def assess(kpm: Kpm, **extra: Any) -> KpmAssessment:
    """A stored assessment: alamiah (no component left) and tinjau (5 years) both hold."""
    reasons = [
        {"code": "no_component", "holds": True, "status": "alamiah",
         "values": {"since": "2026-07-01"}},
        {"code": "no_assessment", "holds": False, "status": "sejahtera", "values": {}},
        {"code": "no_desil", "holds": False, "status": "sejahtera", "values": {}},
        {
            "code": "years_in_pkh_reached",
            "holds": True,
            "status": "tinjau",
            "values": {"max_years": 5, "entry_date": "2020-01-01", "reached_on": "2025-01-01"},
        },
    ]  # fmt: skip
    fields = {
        "status": AssessmentStatus.ALAMIAH,
        "reasons": reasons,
        "component_count": 0,
        "yearly_benefit": 0,
        "per_tahap": 0,
        "projected_graduation": None,
        "status_since": date(2026, 7, 1),
        "updated_at": timezone.now(),
        **extra,
    }
    return KpmAssessment.objects.create(kpm=kpm, **fields)


# Who may call ----------------------------------------------------------------------------


def test_each_officer_lists_the_kpm_in_their_scope(world: World) -> None:
    assert ids(api(world.dinsos_kota).get(LIST)) == KOTA
    assert ids(api(world.dinsos_kab).get(LIST)) == {"KAB-OTHER"}
    assert ids(api(world.kementerian_national).get(LIST)) == ALL
    assert ids(api(world.kementerian_jatim).get(LIST)) == ALL
    assert ids(api(world.kementerian_jabar).get(LIST)) == set()
    assert ids(api(world.admin).get(LIST)) == ALL


def test_pendamping_and_agency_are_refused(world: World) -> None:
    assert is_error(api(world.pendamping_kota.user).get(LIST), 403, "forbidden")
    assert is_error(api(world.agency).get(LIST), 403, "forbidden")
    _client, raw = make_api_client("Kemenko PM", fields=("nik",))
    refused = keyed(raw).get(LIST)
    assert is_error(refused, 403, "forbidden")
    assert is_error(keyed(raw).get(f"{LIST}KDR-GRAD/"), 403, "forbidden")
    assert is_error(api(world.pendamping_kota.user).get(f"{LIST}KDR-OWN/"), 403, "forbidden")


def test_nobody_signed_in_gets_401(world: World) -> None:
    assert is_error(APIClient().get(LIST), 401, "not_authenticated")
    assert is_error(APIClient().get(f"{LIST}KDR-OWN/"), 401, "not_authenticated")
    assert is_error(keyed("nope.nope").get(LIST), 401, "invalid_key")


def test_an_officer_reads_with_their_own_key(world: World) -> None:
    _key, raw = api_key_issue(by=None, user=world.dinsos_kab)
    assert ids(keyed(raw).get(LIST)) == {"KAB-OTHER"}
    detail = keyed(raw).get(f"{LIST}KAB-OTHER/")
    assert detail.status_code == 200
    assert detail.json()["members"][0]["nik"] == "3506015808780004"  # Dinsos: the full NIK
    assert is_error(keyed(raw).get(f"{LIST}KDR-OWN/"), 404, "not_found")


def test_out_of_scope_answers_like_unknown(world: World) -> None:
    client = api(world.dinsos_kota)
    out_of_scope = client.get(f"{LIST}KAB-OTHER/")
    unknown = client.get(f"{LIST}TIDAK-ADA/")
    assert is_error(out_of_scope, 404, "not_found") and is_error(unknown, 404, "not_found")
    assert out_of_scope.json() == unknown.json()
    assert is_error(api(world.kementerian_jabar).get(f"{LIST}KDR-OWN/"), 404, "not_found")


# What is shown ---------------------------------------------------------------------------


def test_list_masks_every_number_and_names_regions_and_pendamping(world: World) -> None:
    response = api(world.dinsos_kota).get(LIST)
    row = next(r for r in response.json()["results"] if r["kpm_id"] == "KDR-OWN")
    kpm = world.kpm_own
    assert row["pengurus_nik"] == mask_nik("3571015808780002") == "3571********0002"
    assert row["no_kk"] == mask_nik(kpm.no_kk) != kpm.no_kk
    assert "3571015808780002" not in response.content.decode()
    assert row["pengurus_name"] == "Ibu KDR-OWN"
    assert row["member_count"] == 1
    assert row["pendamping"] == {"id": world.pendamping_kota.pk, "name": "Pendamping_Kota"}
    assert row["wilayah"]["provinsi"] == {
        "code": "35",
        "name": kpm.desa.kecamatan.kabupaten.provinsi.name,
    }
    assert row["wilayah"]["kabupaten"]["code"] == "35.71"
    assert row["wilayah"]["kecamatan"]["code"] == "35.71.01"
    assert row["wilayah"]["desa"] == {"code": DESA_KOTA_KEDIRI, "name": kpm.desa.name}
    assert row["status"] == "aktif" and row["desil"] == 2
    assert row["assessment"] is None
    assert "members" not in row and "referrals" not in row  # fmt: skip


def test_graduated_and_exited_kpm_show_when_and_why(world: World) -> None:
    Kpm.objects.filter(pk=world.kpm_graduated.pk).update(
        graduated_on=date(2026, 3, 2), graduation_type="mandiri"
    )
    Kpm.objects.filter(pk=world.kpm_same_district.pk).update(
        status=KpmStatus.EXITED, exited_on=date(2026, 4, 1), exit_reason="pindah"
    )
    rows = {r["kpm_id"]: r for r in api(world.dinsos_kota).get(LIST).json()["results"]}
    assert (rows["KDR-GRAD"]["graduated_on"], rows["KDR-GRAD"]["graduation_type"]) == (
        "2026-03-02",
        "mandiri",
    )
    assert (rows["KDR-SAME"]["exited_on"], rows["KDR-SAME"]["exit_reason"]) == (
        "2026-04-01",
        "pindah",
    )
    assert rows["KDR-OWN"]["exited_on"] is None and rows["KDR-OWN"]["graduation_type"] == ""


def test_the_current_assessment_with_every_status_that_holds_and_its_reasons(
    world: World,
) -> None:
    run = PipelineRun.objects.create(
        as_of=date(2026, 8, 3), trigger="jadwal", started_at=timezone.now()
    )
    assess(
        world.kpm_own,
        run=run,
        yearly_benefit=2_400_000,
        per_tahap=600_000,
        component_count=1,
        projected_graduation=date(2031, 6, 30),
    )
    row = api(world.kementerian_national).get(f"{LIST}KDR-OWN/").json()
    a = row["assessment"]
    assert a["status"] == "alamiah"
    assert a["statuses"] == ["alamiah", "tinjau"]
    assert [(r["code"], r["holds"]) for r in a["reasons"]] == [
        ("no_component", True),
        ("no_assessment", False),
        ("no_desil", False),
        ("years_in_pkh_reached", True),
    ]
    assert a["reasons"][0]["values"] == {"since": "2026-07-01"}
    assert "2026" in a["reasons"][0]["text"]
    assert a["as_of"] == "2026-08-03"
    assert a["status_since"] == "2026-07-01"
    assert (a["yearly_benefit"], a["per_tahap"], a["component_count"]) == (2_400_000, 600_000, 1)
    assert a["projected_graduation"] == "2031-06-30"


def test_an_assessment_without_a_run_is_as_of_the_day_it_was_written(world: World) -> None:
    written = timezone.make_aware(datetime(2026, 9, 1, 23, 30))  # Jakarta time
    assess(world.kpm_own, reasons=[], status=AssessmentStatus.BELUM, updated_at=written)
    a = api(world.dinsos_kota).get(f"{LIST}KDR-OWN/").json()["assessment"]
    assert (a["as_of"], a["statuses"], a["reasons"]) == ("2026-09-01", ["belum"], [])


def test_detail_shows_full_nik_to_dinsos_only_as_the_profile_does(world: World) -> None:
    kpm = world.kpm_own
    child = AnggotaFactory(kpm=kpm, nama="Anak", jenis_kelamin="L", hubungan="anak",
                           tanggal_lahir=date(2015, 5, 5))  # fmt: skip
    AnggotaFactory(kpm=kpm, nama="Kakek", jenis_kelamin="L", hubungan="orang_tua",
                   tanggal_lahir=date(1940, 1, 1), status=MemberStatus.DIED)  # fmt: skip
    dinsos = api(world.dinsos_kota).get(f"{LIST}KDR-OWN/").json()
    assert [m["nama"] for m in dinsos["members"]] == ["Ibu KDR-OWN", "Kakek", "Anak"]
    assert dinsos["members"][2] == {
        "nik": child.nik, "nama": "Anak", "hubungan": "anak", "jenis_kelamin": "L",
        "tanggal_lahir": "2015-05-05", "is_pengurus": False, "status": "aktif",
    }  # fmt: skip
    assert dinsos["pengurus_nik"] == "3571015808780002" and dinsos["no_kk"] == kpm.no_kk
    assert dinsos["member_count"] == 2  # the one who died is listed, not counted
    for officer in (world.kementerian_national, world.kementerian_jatim, world.admin):
        body = api(officer).get(f"{LIST}KDR-OWN/")
        text = body.content.decode()
        assert child.nik not in text and "3571015808780002" not in text and kpm.no_kk not in text
        assert body.json()["members"][2]["nik"] == mask_nik(str(child.nik))


def test_detail_lists_referrals_with_programme_and_status(world: World) -> None:
    ppse, mekaar = Programme.objects.order_by("position")[:2]
    for programme, status in ((ppse, ReferralStatus.ACCEPTED), (mekaar, ReferralStatus.REFERRED)):
        Referral.objects.create(
            kpm=world.kpm_graduated, programme=programme, status=status,
            consent_on=date(2026, 1, 5), consent_by=world.dinsos_kota,
            created_by=world.dinsos_kota,
        )  # fmt: skip
    body = api(world.kementerian_jatim).get(f"{LIST}KDR-GRAD/").json()
    assert [(r["programme"]["code"], r["status"]) for r in body["referrals"]] == [
        (ppse.code, "diterima"),
        (mekaar.code, "dirujuk"),
    ]
    assert body["referrals"][0]["programme"]["agency"] == ppse.agency


# Filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wilayah", "expected"),
    [
        ("35", ALL),
        ("35.71", KOTA),
        ("35.71.01", {"KDR-OWN", "KDR-GRAD"}),
        ("35.71.03.1004", {"KDR-SAME"}),
        ("35.06", {"KAB-OTHER"}),
        ("32", set()),
    ],
)
def test_wilayah_filters_at_any_level(world: World, wilayah: str, expected: set[str]) -> None:
    assert ids(api(world.kementerian_national).get(LIST, {"wilayah": wilayah})) == expected


def test_a_wilayah_filter_never_widens_the_scope(world: World) -> None:
    assert ids(api(world.dinsos_kota).get(LIST, {"wilayah": "35.06"})) == set()


def test_filters_by_status_assessment_pendamping_desil(world: World) -> None:
    assess(world.kpm_own)
    assess(world.kpm_other_district, status=AssessmentStatus.TINJAU)
    Kpm.objects.filter(pk=world.kpm_same_district.pk).update(desil=4)
    client = api(world.admin)
    assert ids(client.get(LIST, {"status": "graduasi"})) == {"KDR-GRAD"}
    assert ids(client.get(LIST, {"assessment_status": "alamiah"})) == {"KDR-OWN"}
    assert ids(client.get(LIST, {"assessment_status": "tinjau"})) == {"KAB-OTHER"}
    pendamping = world.pendamping_kota.pk
    assert ids(client.get(LIST, {"pendamping": pendamping})) == {"KDR-OWN", "KDR-GRAD"}
    assert ids(client.get(LIST, {"desil": 4})) == {"KDR-SAME"}
    assert ids(client.get(LIST, {"desil": "4", "status": "aktif", "wilayah": "35.06"})) == set()


def test_updated_since_returns_only_what_changed(world: World) -> None:
    cut = timezone.now()
    Kpm.objects.filter(pk__in=[world.kpm_own.pk, world.kpm_graduated.pk]).update(
        updated_at=cut + timedelta(seconds=1)
    )
    Kpm.objects.exclude(pk__in=[world.kpm_own.pk, world.kpm_graduated.pk]).update(
        updated_at=cut - timedelta(days=1)
    )
    since = cut.isoformat()
    assert ids(api(world.admin).get(LIST, {"updated_since": since})) == {"KDR-OWN", "KDR-GRAD"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"wilayah": "35.7"}, "wilayah"),
        ({"wilayah": "kediri"}, "wilayah"),
        ({"status": "hilang"}, "status"),
        ({"assessment_status": "x"}, "assessment_status"),
        ({"desil": "11"}, "desil"),
        ({"desil": "1.5"}, "desil"),
        ({"pendamping": "99999999999999999999"}, "pendamping"),
        ({"updated_since": "kemarin"}, "updated_since"),
    ],
)
def test_invalid_filters_are_a_400_naming_the_field(
    world: World, params: dict[str, Any], field: str
) -> None:
    response = api(world.admin).get(LIST, params)
    assert is_error(response, 400, "invalid")
    assert list(response.json()["fields"]) == [field]


# Paging and queries ----------------------------------------------------------------------


def test_cursor_pages_walk_every_kpm_once_in_kpm_id_order(world: World) -> None:
    KpmFactory.create_batch(7, desa_code=DESA_KAB_KEDIRI)
    client = api(world.kementerian_national)
    seen: list[str] = []
    url: str | None = f"{LIST}?page_size=3"
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 3
        seen += [r["kpm_id"] for r in body["results"]]
        url = body["next"]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 11


def test_page_size_is_capped_at_200(world: World) -> None:
    KpmFactory.create_batch(205, desa_code=DESA_KAB_KEDIRI)
    body = api(world.admin).get(LIST, {"page_size": 1000}).json()
    assert len(body["results"]) == 200 and body["next"]
    assert len(api(world.admin).get(LIST).json()["results"]) == 50


def test_an_invalid_cursor_is_a_404(world: World) -> None:
    assert is_error(api(world.admin).get(LIST, {"cursor": "zzz"}), 404, "not_found")


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(world: World, n: int) -> None:
    programme = Programme.objects.order_by("position")[0]
    for kpm in KpmFactory.create_batch(n, pendamping=world.pendamping_kota):
        AnggotaFactory(kpm=kpm, pengurus=True)
        AnggotaFactory(kpm=kpm, hubungan="anak", jenis_kelamin="L")
        assess(kpm)
        Referral.objects.create(
            kpm=kpm, programme=programme, consent_on=date(2026, 1, 5),
            consent_by=world.dinsos_kota, created_by=world.dinsos_kota,
        )  # fmt: skip


def test_the_list_costs_the_same_queries_for_3_or_30_kpm(world: World) -> None:
    client = api(world.dinsos_kota)
    few = _queries(client, LIST)
    _grow(world, 30)
    assert len(client.get(LIST).json()["results"]) == 33
    assert _queries(client, LIST) == few


def test_the_detail_costs_the_same_queries_for_1_or_12_members(world: World) -> None:
    client = api(world.dinsos_kota)
    _grow(world, 1)
    kpm = Kpm.objects.exclude(kpm_id__in=ALL).get()
    small = _queries(client, f"{LIST}{kpm.kpm_id}/")
    for _n in range(10):
        AnggotaFactory(kpm=kpm, hubungan="anak", jenis_kelamin="P")
    body = client.get(f"{LIST}{kpm.kpm_id}/").json()
    assert len(body["members"]) == 12 and len(body["referrals"]) == 1
    assert _queries(client, f"{LIST}{kpm.kpm_id}/") == small


def test_a_stored_reason_the_api_does_not_understand_is_shown_not_fatal(world: World) -> None:
    odd = [{"code": "baru", "holds": True, "status": "tinjau", "values": None}, "rusak"]
    assess(world.kpm_own, reasons=odd, status=AssessmentStatus.TINJAU)
    a = api(world.dinsos_kota).get(f"{LIST}KDR-OWN/").json()["assessment"]
    assert a["statuses"] == ["tinjau"]
    assert [(r["code"], r["values"]) for r in a["reasons"]] == [("baru", {})]
    assert a["reasons"][0]["text"]  # the neutral sentence


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        # An offset PostgreSQL does not take (it stops at 15:59): read in UTC.
        ("0310-03-07T04:19:21+20:01", {"KDR-OWN", "KDR-GRAD"}),
        # Before year 1 once in UTC: everything changed since then.
        ("0001-01-01T00:00:00+10:00", {"KDR-OWN", "KDR-GRAD"}),
        # After year 9999 once in UTC: nothing yet.
        ("9999-12-31T23:00:00-10:00", set()),
    ],
)
def test_updated_since_takes_any_offset_iso_8601_allows(world: World, since, expected) -> None:
    response = api(world.dinsos_kota).get(LIST, {"updated_since": since})
    assert response.status_code == 200, response.content
    assert ids(response) >= expected if expected else ids(response) == set()
