"""/api/v1/dashboard/: each role opens the areas it may see (403 for other roles, 404 out of
scope), the JSON carries the nightly summary's numbers and months as stored, the pendamping
table is sorted, filtered and paged as asked and every page read is logged, in a few queries
that do not follow the rows; both endpoints are documented in the OpenAPI schema."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audit.models import AccessEvent
from graduasi.dashboard.serializers import SUMMARY_FIELDS
from graduasi.models import PipelineRun, Proposal, ProposalStatus, RegionMonth, RegionSummary
from kpm.models import GraduationType, Kpm, KpmStatus
from pemberdayaan.models import ReferralStatus
from pendamping.models import Pendamping
from pengguna.models import User
from tests.conftest import DESA_KAB_KEDIRI, World, make_pendamping
from tests.factories import KpmFactory
from tests.graduasi.test_pipeline import run_on, wib

pytestmark = pytest.mark.django_db

DASHBOARD = "/api/v1/dashboard/"
TABLE = "/api/v1/dashboard/pendamping/"
KAB_MALANG = "35.07"
DESA_KAB_MALANG = "35.07.01.2001"


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def get(user: User | None, url: str, query: str = "") -> Any:
    return api(user).get(f"{url}?{query}" if query else url)


def approve(kpm: Kpm, pendamping: Pendamping, kind: str, month: int) -> Proposal:
    """An approved graduation of `kind` decided in `month` of 2026."""
    return Proposal.objects.create(
        kpm=kpm,
        pendamping=pendamping,
        type=kind,
        status=ProposalStatus.APPROVED,
        created_by=pendamping.user,
        submitted_at=wib(2026, month, 1),
        decided_at=wib(2026, month, 3),
    )


@dataclass
class Counted:
    world: World
    run: PipelineRun


@pytest.fixture
def counted(world: World) -> Counted:
    """The test world after a nightly run: graduations in January and March, an exit in
    February, two of them Kota Kediri's."""
    w = world
    approve(w.kpm_graduated, w.pendamping_kota, GraduationType.ALAMIAH, 1)
    mandiri = KpmFactory.create(pendamping=w.pendamping_kota, status=KpmStatus.GRADUATED)
    approve(mandiri, w.pendamping_kota, GraduationType.MANDIRI, 3)
    kab = KpmFactory.create(
        desa_code=DESA_KAB_KEDIRI, pendamping=w.pendamping_kab, status=KpmStatus.GRADUATED
    )
    approve(kab, w.pendamping_kab, GraduationType.SEJAHTERA, 3)
    KpmFactory.create(
        pendamping=w.pendamping_kota_other, status=KpmStatus.EXITED, exited_on=date(2026, 2, 9)
    )
    return Counted(world=w, run=run_on())


def summary(level: str, code: str, pendamping: Pendamping | None = None) -> RegionSummary:
    return RegionSummary.objects.get(level=level, region_code=code, pendamping=pendamping)


def is_error(response: Any, status: int, code: str) -> bool:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"code", "detail"} and body["code"] == code, body
    assert body["detail"]
    return True


# Who opens what -------------------------------------------------------------------------------

SCOPES = [
    # persona, query, status, area code when 200
    ("dinsos_kota", "", 200, "35.71"),
    ("dinsos_kota", "wilayah=35.71", 200, "35.71"),
    ("dinsos_kota", "wilayah=35.71.03", 200, "35.71.03"),
    ("dinsos_kota", "wilayah=35.06", 404, None),
    ("dinsos_kota", "wilayah=35", 404, None),
    ("dinsos_kota", "wilayah=", 404, None),  # the nation
    ("dinsos_kab", "", 200, "35.06"),
    ("dinsos_kab", "wilayah=35.71.01", 404, None),
    ("kementerian_jatim", "", 200, "35"),
    ("kementerian_jatim", "wilayah=35", 200, "35"),
    ("kementerian_jatim", "wilayah=35.06", 200, "35.06"),
    ("kementerian_jatim", "wilayah=32", 404, None),
    ("kementerian_jatim", "wilayah=", 404, None),
    ("kementerian_jabar", "wilayah=35", 404, None),
    ("kementerian_national", "", 200, ""),
    ("kementerian_national", "wilayah=32", 200, "32"),
    ("admin", "", 200, ""),
    ("admin", "wilayah=35.06.01", 200, "35.06.01"),
    # unknown or malformed
    ("admin", "wilayah=99", 404, None),
    ("admin", "wilayah=35.7", 404, None),
    ("admin", "wilayah=abc", 404, None),
    ("admin", "pendamping=abc", 404, None),
    ("admin", "pendamping=999999", 404, None),
]


@pytest.mark.parametrize(("persona", "query", "status", "code"), SCOPES)
def test_each_role_opens_its_own_areas_and_gets_404_outside_them(
    world, persona, query, status, code
):
    response = get(getattr(world, persona), DASHBOARD, query)

    if status == 404:
        assert is_error(response, 404, "not_found")
    else:
        assert response.status_code == 200, response.json()
        assert response.json()["area"]["code"] == code


@pytest.mark.parametrize("url", [DASHBOARD, TABLE])
def test_pendamping_and_agency_get_403_and_nobody_signed_in_401(world, url):
    assert is_error(get(world.pendamping_kota.user, url), 403, "forbidden")
    assert is_error(get(world.agency, url), 403, "forbidden")
    assert is_error(get(None, url), 401, "not_authenticated")


@pytest.mark.parametrize("url", [DASHBOARD, TABLE])
def test_a_pendamping_of_another_kabupaten_is_404_for_dinsos(world, url):
    other = f"pendamping={world.pendamping_kab.pk}"
    own = f"pendamping={world.pendamping_kota.pk}"

    assert is_error(get(world.dinsos_kota, url, other), 404, "not_found")
    assert get(world.dinsos_kota, url, own).status_code == 200
    assert get(world.kementerian_jatim, url, other).status_code == 200
    assert is_error(get(world.kementerian_jabar, url, other), 404, "not_found")


@pytest.mark.parametrize(
    ("persona", "query"), [("dinsos_kota", "wilayah=35.06"), ("kementerian_jatim", "wilayah=32")]
)
def test_the_pendamping_table_out_of_scope_is_404_and_logs_nothing(world, persona, query):
    run_on()

    assert is_error(get(getattr(world, persona), TABLE, query), 404, "not_found")
    assert not AccessEvent.objects.exists()


# What the dashboard says ----------------------------------------------------------------------

DERIVED = ("progress_pct", "on_track_pct", "p2k2_coverage_pct", "p2k2_member_pct", "visited_pct")


def pct(part: int | None, whole: int | None) -> float | None:
    return round(100 * part / whole, 1) if whole and part is not None else None


def assert_numbers_match(numbers: dict[str, Any], row: RegionSummary) -> None:
    """Every count as stored, the shares computed from it, referrals by status."""
    assert {f: numbers[f] for f in SUMMARY_FIELDS} == {f: getattr(row, f) for f in SUMMARY_FIELDS}
    assert numbers["progress_pct"] == pct(row.approved, row.target)
    assert numbers["on_track_pct"] == pct(row.pendamping_on_track, row.pendamping_count)
    assert numbers["p2k2_coverage_pct"] == pct(row.p2k2_attended, row.active_kpm)
    assert numbers["p2k2_member_pct"] == pct(row.p2k2_members, row.active_kpm)
    assert numbers["visited_pct"] == pct(row.kpm_visited_30d, row.active_kpm)
    assert numbers["returned"] == row.pending - row.awaiting
    assert numbers["referrals"] == {
        s.value: getattr(row, f"referrals_{s.value}") for s in ReferralStatus
    }
    assert set(numbers) == {*SUMMARY_FIELDS, *DERIVED, "returned", "referrals"}


def test_the_numbers_are_the_kabupatens_summary_row_as_of_the_last_run(counted):
    body = get(counted.world.dinsos_kota, DASHBOARD, "wilayah=35.71").json()

    row = summary("kabupaten", "35.71")
    assert (row.approved, row.target) == (2, 20)  # the world counted as the fixture says
    assert_numbers_match(body["numbers"], row)
    assert body["numbers"]["progress_pct"] == 10.0
    assert body["year"] == 2026
    as_of = body["as_of"]
    assert (as_of["run_id"], as_of["as_of"]) == (counted.run.pk, "2026-03-15")
    assert as_of["url"] == f"/dasbor/proses/{counted.run.pk}/"
    assert datetime.fromisoformat(as_of["finished_at"]) == counted.run.finished_at


def test_the_area_names_itself_its_parents_and_its_page(counted):
    body = get(counted.world.kementerian_jatim, DASHBOARD, "wilayah=35.71.03").json()

    assert body["area"] == {
        "level": "kecamatan",
        "code": "35.71.03",
        "name": body["area"]["name"],
        "pendamping_id": None,
        "parents": [
            {"name": "JAWA TIMUR", "url": "/dasbor/wilayah/35/"},
            {"name": "KOTA KEDIRI", "url": "/dasbor/wilayah/35.71/"},
        ],
        "url": "/dasbor/wilayah/35.71.03/",
    }
    assert body["area"]["name"]
    assert body["children"] == []


def test_each_child_region_carries_its_own_summary_row(counted):
    body = get(counted.world.kementerian_jatim, DASHBOARD, "wilayah=35").json()

    children = {c["code"]: c for c in body["children"]}
    assert set(children) == {"35.71", "35.06"}
    for code, child in children.items():
        assert_numbers_match(child["numbers"], summary("kabupaten", code))
        assert child["url"] == f"/dasbor/wilayah/{code}/"
    assert [c["name"] for c in body["children"]] == sorted(c["name"] for c in body["children"])


def test_the_months_are_the_regions_month_rows(counted):
    body = get(counted.world.dinsos_kota, DASHBOARD).json()

    stored = {
        m.month: {
            "month": m.month,
            "alamiah": m.graduated_alamiah,
            "sejahtera": m.graduated_sejahtera,
            "mandiri": m.graduated_mandiri,
            "exits": m.exits,
        }
        for m in RegionMonth.objects.filter(level="kabupaten", region_code="35.71", year=2026)
    }
    zero = {"alamiah": 0, "sejahtera": 0, "mandiri": 0, "exits": 0}
    months = body["charts"]["months"]
    assert [m["month"] for m in months] == list(range(1, 13))
    assert months == [stored.get(n, {"month": n, **zero}) for n in range(1, 13)]
    # January's alamiah, February's exit and March's mandiri, as the fixture made them
    assert (months[0]["alamiah"], months[1]["exits"], months[2]["mandiri"]) == (1, 1, 1)


def test_the_histogram_counts_pendamping_by_bucket_and_is_null_below_a_kabupaten(counted):
    kota = get(counted.world.dinsos_kota, DASHBOARD).json()["charts"]
    kecamatan = get(counted.world.dinsos_kota, DASHBOARD, "wilayah=35.71.01").json()["charts"]

    histogram = summary("kabupaten", "35.71").progress_histogram
    assert histogram is not None
    labels = [str(b) for b in range(10)] + ["10+"]
    assert kota["progress_histogram"] == [
        {"bucket": label, "pendamping": n} for label, n in zip(labels, histogram, strict=True)
    ]
    assert sum(bar["pendamping"] for bar in kota["progress_histogram"]) == 2
    assert kecamatan["progress_histogram"] is None


def test_the_tahaps_show_the_first_as_current_and_recorded_by_the_run(counted):
    tahaps = get(counted.world.dinsos_kota, DASHBOARD).json()["charts"]["tahaps"]

    row = summary("kabupaten", "35.71")
    assert [t["tahap"] for t in tahaps] == [1, 2, 3, 4]
    assert tahaps[0] == {
        "tahap": 1,
        "amount": row.tahap_benefit,
        "active_kpm": row.active_kpm,
        "recorded_on": "2026-03-15",
        "current": True,
    }
    assert tahaps[1:] == [
        {"tahap": n, "amount": None, "active_kpm": None, "recorded_on": None, "current": False}
        for n in (2, 3, 4)
    ]


def test_one_pendampings_dashboard_is_their_caseloads_row(counted):
    w = counted.world
    body = get(w.dinsos_kota, DASHBOARD, f"pendamping={w.pendamping_kota.pk}").json()

    assert body["area"]["level"] == "pendamping"
    assert body["area"]["pendamping_id"] == w.pendamping_kota.pk
    assert body["area"]["url"] == f"/dasbor/pendamping/{w.pendamping_kota.pk}/"
    assert_numbers_match(body["numbers"], summary("pendamping", "35.71", w.pendamping_kota))
    assert body["charts"]["progress_histogram"] is None
    assert body["children"] == []


def test_before_any_run_the_dashboard_has_no_numbers_yet(world):
    body = get(world.dinsos_kota, DASHBOARD).json()

    assert body["as_of"] is None
    assert body["numbers"] is None
    assert body["children"] == []
    assert body["charts"]["progress_histogram"] is None
    assert {m["alamiah"] + m["exits"] for m in body["charts"]["months"]} == {0}
    assert [t["current"] for t in body["charts"]["tahaps"]] == [False] * 4


# The pendamping table -------------------------------------------------------------------------


def usernames(body: dict[str, Any]) -> list[str]:
    return [row["username"] for row in body["results"]]


def test_a_pendamping_row_says_how_the_pendamping_stands(counted):
    w = counted.world
    body = get(w.dinsos_kota, TABLE, "urut=nama").json()

    row = summary("pendamping", "35.71", w.pendamping_kota)
    assert body["count"] == 2
    assert body["results"][0] == {
        "pendamping_id": w.pendamping_kota.pk,
        "username": "pendamping_kota",
        "name": str(w.pendamping_kota),
        "kabupaten_code": "35.71",
        "active_kpm": row.active_kpm,
        "approved": 2,
        "target": 10,
        "progress_pct": 20.0,
        "on_track": True,
        "candidates": row.candidates,
        "awaiting": row.awaiting,
        "at_risk": row.at_risk,
        "visited_pct": pct(row.kpm_visited_30d, row.active_kpm),
        "url": f"/dasbor/pendamping/{w.pendamping_kota.pk}/",
    }


def test_the_table_sorts_as_asked_and_puts_those_behind_first_by_default(counted):
    user = counted.world.dinsos_kota

    by_name = usernames(get(user, TABLE, "urut=nama").json())
    by_name_desc = usernames(get(user, TABLE, "urut=-nama").json())
    default = usernames(get(user, TABLE).json())

    assert by_name == ["pendamping_kota", "pendamping_kota_lain"]
    assert by_name_desc == ["pendamping_kota_lain", "pendamping_kota"]
    assert default == ["pendamping_kota_lain", "pendamping_kota"]  # 0 of 10 is behind


def test_tertinggal_keeps_only_those_behind_and_a_kecamatan_only_those_working_there(counted):
    w = counted.world

    behind = get(w.kementerian_jatim, TABLE, "wilayah=35&tertinggal=1").json()
    kecamatan = get(w.kementerian_jatim, TABLE, "wilayah=35.71.03").json()
    everyone = get(w.kementerian_jatim, TABLE, "wilayah=35").json()

    assert usernames(behind) == ["pendamping_kota_lain", "pendamping_kab"]  # 0 then 1 of 10
    assert usernames(kecamatan) == ["pendamping_kota_lain"]
    assert sorted(usernames(everyone)) == [
        "pendamping_kab",
        "pendamping_kota",
        "pendamping_kota_lain",
    ]


def test_the_table_pages_and_each_page_read_is_logged_with_its_pendamping(counted):
    w = counted.world

    first = get(w.kementerian_jatim, TABLE, "wilayah=35&urut=nama&page_size=2").json()
    second = get(w.kementerian_jatim, TABLE, "wilayah=35&urut=nama&page_size=2&page=2").json()

    assert (first["count"], len(first["results"]), len(second["results"])) == (3, 2, 1)
    assert (
        first["next"].endswith("page=2&page_size=2&urut=nama&wilayah=35")
        or "page=2" in first["next"]
    )
    assert second["next"] is None
    logged = list(AccessEvent.objects.order_by("id"))
    assert [e.record_ids for e in logged] == [
        [str(r["pendamping_id"]) for r in first["results"]],
        [str(r["pendamping_id"]) for r in second["results"]],
    ]
    for event in logged:
        assert event.actor == w.kementerian_jatim
        assert event.purpose == "dasbor: tabel pendamping"
        assert event.object_type == "pendamping.pendamping"
        assert event.endpoint.startswith(TABLE)
    assert logged[1].record_count == 1


def test_a_page_that_names_nobody_is_not_logged(counted):
    w = counted.world
    # Only pendamping_kota works in 35.71.01, and is on track
    body = get(w.dinsos_kota, TABLE, "wilayah=35.71.01&tertinggal=1").json()

    assert body["count"] == 0
    assert not AccessEvent.objects.exists()


# Queries --------------------------------------------------------------------------------------


def queries(user: User, url: str, query: str) -> int:
    client = api(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"{url}?{query}").status_code == 200
    return len(captured)


def grow_jatim() -> None:
    """Another kabupaten in Jawa Timur with two pendamping, counted by a second run."""
    for name in ("pendamping_malang", "pendamping_malang_lain"):
        pendamping = make_pendamping(name, KAB_MALANG)
        KpmFactory.create(desa_code=DESA_KAB_MALANG, pendamping=pendamping)
    run_on(force=True)


def test_the_dashboard_takes_a_few_queries_whatever_the_number_of_regions(
    counted, django_assert_max_num_queries
):
    user = counted.world.kementerian_jatim
    before = queries(user, DASHBOARD, "wilayah=35")

    grow_jatim()

    client = api(user)
    with django_assert_max_num_queries(15):
        body = client.get(f"{DASHBOARD}?wilayah=35").json()
    assert len(body["children"]) == 3
    assert queries(user, DASHBOARD, "wilayah=35") == before


def test_the_pendamping_table_takes_the_same_queries_for_more_rows(counted):
    user = counted.world.kementerian_jatim
    before = queries(user, TABLE, "wilayah=35")

    grow_jatim()

    assert get(user, TABLE, "wilayah=35").json()["count"] == 5
    assert queries(user, TABLE, "wilayah=35") == before


# Schema ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def response_ref(operation: dict[str, Any], status: str) -> str:
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]


def test_the_schema_documents_both_endpoints_with_their_parameters_and_errors(schema):
    dashboard = schema["paths"]["/api/v1/dashboard/"]["get"]
    table = schema["paths"]["/api/v1/dashboard/pendamping/"]["get"]

    assert dashboard["operationId"] == "dashboard_retrieve"
    assert table["operationId"] == "dashboard_pendamping_list"
    assert response_ref(dashboard, "200") == "#/components/schemas/Dashboard"
    assert response_ref(table, "200") == "#/components/schemas/PaginatedPendampingRowList"
    for operation in (dashboard, table):
        assert operation["tags"] == ["dasbor"]
        assert {"401", "403", "404"} <= set(operation["responses"])
        assert response_ref(operation, "404") == "#/components/schemas/Error"
    assert {p["name"] for p in dashboard["parameters"]} == {"wilayah", "pendamping"}
    assert {p["name"] for p in table["parameters"]} == {
        "wilayah",
        "pendamping",
        "urut",
        "tertinggal",
        "page",
        "page_size",
    }


def test_the_schema_types_every_number_and_chart(schema):
    components = schema["components"]["schemas"]

    dashboard = components["Dashboard"]["properties"]
    assert set(dashboard) == {"area", "year", "as_of", "numbers", "charts", "children"}
    numbers = components["Numbers"]["properties"]
    assert set(numbers) == {*SUMMARY_FIELDS, *DERIVED, "returned", "referrals"}
    assert all("type" in spec or "$ref" in spec or "allOf" in spec for spec in numbers.values())
    assert set(components["ReferralCounts"]["properties"]) == {s.value for s in ReferralStatus}
    charts = components["Charts"]["properties"]
    assert set(charts) == {"months", "progress_histogram", "tahaps"}
    assert charts["progress_histogram"]["nullable"] is True
    assert set(components["Month"]["properties"]) == {
        "month",
        "alamiah",
        "sejahtera",
        "mandiri",
        "exits",
    }
    assert set(components["PendampingRow"]["properties"]) == {
        "pendamping_id",
        "username",
        "name",
        "kabupaten_code",
        "active_kpm",
        "approved",
        "target",
        "progress_pct",
        "on_track",
        "candidates",
        "awaiting",
        "at_risk",
        "visited_pct",
        "url",
    }


SUMMARY_AND_REFERENCE_TABLES = {
    "django_session", "pengguna_user", "wilayah_provinsi", "wilayah_kabupaten",
    "wilayah_kecamatan", "pendamping_pendamping", "graduasi_pipelinerun",
    "graduasi_regionsummary", "graduasi_regionmonth", "audit_accessevent",
}  # fmt: skip


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (DASHBOARD, "wilayah=35"),
        (DASHBOARD, "wilayah=35.71.01"),
        (DASHBOARD, "pendamping={pk}"),
        (TABLE, "wilayah=35.71.01"),
    ],
)
def test_the_api_reads_only_summary_and_reference_tables(counted, url, query):
    client = api(counted.world.kementerian_jatim)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{url}?{query.format(pk=counted.world.pendamping_kota.pk)}")

    assert response.status_code == 200
    tables = {
        name
        for q in captured.captured_queries
        for name in re.findall(r'(?:FROM|JOIN|INTO) "(\w+)"', q["sql"])
    }
    assert "graduasi_regionsummary" in tables
    assert tables <= SUMMARY_AND_REFERENCE_TABLES, tables - SUMMARY_AND_REFERENCE_TABLES
