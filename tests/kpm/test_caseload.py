"""Daftar KPM: who sees which KPM, search, each filter, sorting, pages, constant query counts,
and the SQL form of the component rule agreeing with graduasi.rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from graduasi.models import AssessmentStatus, KpmAssessment, Proposal
from graduasi.rules import DEFAULT_POLICY, Component, member_component
from graduasi.selectors import member_facts
from kpm.models import Anggota, Kpm, KpmStatus, MemberStatus, SchoolLevel
from kpm.selectors import anggota_component, kpm_commitment_due, years_before
from pendamping.models import CommitmentVerification
from tests.conftest import DESA_KOTA_KEDIRI, DESA_KOTA_KEDIRI_2
from tests.factories import AnggotaFactory, KpmFactory

CASELOAD = reverse("kpm:caseload")
TODAY = timezone.localdate()


def listed(client, **params) -> list[str]:
    response = client.get(CASELOAD, params)
    assert response.status_code == 200
    return [row.kpm.kpm_id for row in response.context["rows"]]


def child(kpm: Kpm, years: int, level: str = "", **extra) -> Anggota:
    """A child of `years` whole years today (its birthday was 10 days ago)."""
    born = years_before(TODAY - timedelta(days=10), years)
    return AnggotaFactory.create(
        kpm=kpm, tanggal_lahir=born, hubungan="anak", jenjang_sekolah=level, **extra
    )


# --- who sees what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("pendamping_kota", ["KDR-GRAD", "KDR-OWN"]),
        ("pendamping_kota_other", ["KDR-SAME"]),
        ("dinsos_kota", ["KDR-GRAD", "KDR-OWN", "KDR-SAME"]),
        ("dinsos_kab", ["KAB-OTHER"]),
        ("kementerian_jatim", ["KAB-OTHER", "KDR-GRAD", "KDR-OWN", "KDR-SAME"]),
        ("kementerian_jabar", []),
        ("admin", ["KAB-OTHER", "KDR-GRAD", "KDR-OWN", "KDR-SAME"]),
    ],
)
def test_each_persona_sees_its_own_scope(client, world, persona, expected):
    user = getattr(world, persona)
    client.force_login(getattr(user, "user", user))
    assert listed(client) == expected


def test_agency_may_not_open_the_caseload(client, world):
    client.force_login(world.agency)
    assert client.get(CASELOAD).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(CASELOAD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_row_shows_pengurus_desa_member_count_and_last_visit(client, world):
    kpm = world.kpm_own
    child(kpm, 8, "SD")
    kpm.last_visit_on = TODAY - timedelta(days=12)
    kpm.noncompliant = True
    kpm.save()
    client.force_login(world.pendamping_kota.user)
    response = client.get(CASELOAD)
    row = next(r for r in response.context["rows"] if r.kpm == kpm)
    assert (row.kpm.pengurus_nama, row.kpm.desa.name, row.kpm.member_count) == (
        "Ibu KDR-OWN",
        kpm.desa.name,
        2,
    )
    assert (row.days_since_visit, row.visit_due) == (12, False)
    page = response.content.decode()
    assert "12 hari lalu" in page
    assert "Tidak memenuhi komitmen" in page
    assert reverse("kpm:profile", args=["KDR-OWN"]) in page


def test_the_list_never_shows_a_full_nik(client, world):
    client.force_login(world.dinsos_kota)
    page = client.get(CASELOAD).content.decode()
    assert "3571015808780002" not in page


# --- search ------------------------------------------------------------------------------


def test_search_by_part_of_any_member_name_ignores_case(client, world):
    AnggotaFactory.create(kpm=world.kpm_own, nama="Siti Rahmawati", hubungan="anak")
    client.force_login(world.pendamping_kota.user)
    assert listed(client, q="rahma") == ["KDR-OWN"]
    assert listed(client, q="ibu kdr-g") == ["KDR-GRAD"]


def test_search_by_full_nik_by_nik_prefix_by_kpm_id_and_by_address(client, world):
    world.kpm_graduated.alamat = "Dusun Sukamaju RT 02"
    world.kpm_graduated.save()
    client.force_login(world.dinsos_kota)
    assert listed(client, q="3571015808780002") == ["KDR-OWN"]
    assert listed(client, q="357103") == ["KDR-SAME"]
    assert listed(client, q="same") == ["KDR-SAME"]
    assert listed(client, q="sukamaju") == ["KDR-GRAD"]
    assert listed(client, q="tidak ada yang begini") == []


def test_search_never_finds_a_kpm_out_of_scope(client, world):
    client.force_login(world.pendamping_kota.user)
    assert listed(client, q="3571035808780003") == []  # KDR-SAME's pengurus
    assert listed(client, q="KAB-OTHER") == []


# --- filters -----------------------------------------------------------------------------


def test_desa_choices_are_only_desa_of_visible_kpm(client, world):
    client.force_login(world.pendamping_kota.user)
    response = client.get(CASELOAD)
    codes = [code for code, _label in response.context["filter"].form.fields["desa"].choices]
    assert codes == ["", DESA_KOTA_KEDIRI]
    client.force_login(world.dinsos_kota)
    response = client.get(CASELOAD)
    codes = [code for code, _label in response.context["filter"].form.fields["desa"].choices]
    assert set(codes) == {"", DESA_KOTA_KEDIRI, DESA_KOTA_KEDIRI_2}


def test_filter_by_desa(client, world):
    client.force_login(world.dinsos_kota)
    assert listed(client, desa=DESA_KOTA_KEDIRI_2) == ["KDR-SAME"]


def test_a_desa_out_of_scope_is_an_error_and_reveals_nothing(client, world):
    client.force_login(world.dinsos_kota)
    response = client.get(CASELOAD, {"desa": "35.06.01.2001"})
    assert response.status_code == 200
    assert "desa" in response.context["filter"].form.errors
    assert "KAB-OTHER" not in [r.kpm.kpm_id for r in response.context["rows"]]


def test_kementerian_filters_by_region_code(client, world):
    client.force_login(world.kementerian_jatim)
    assert listed(client, wilayah="35.06") == ["KAB-OTHER"]
    assert listed(client, wilayah="35.71.03") == ["KDR-SAME"]
    assert listed(client, wilayah="35.71.01.1001") == ["KDR-GRAD", "KDR-OWN"]
    assert listed(client, wilayah="bukan kode") == []


def test_filter_by_status(client, world):
    client.force_login(world.pendamping_kota.user)
    assert listed(client, status=KpmStatus.GRADUATED) == ["KDR-GRAD"]
    assert listed(client, status=KpmStatus.ACTIVE) == ["KDR-OWN"]


def test_filter_by_component_today(client, world):
    child(world.kpm_own, 9, SchoolLevel.SD)
    child(world.kpm_same_district, 3)
    child(world.kpm_same_district, 16, SchoolLevel.SMA, status=MemberStatus.MOVED)
    client.force_login(world.dinsos_kota)
    assert listed(client, komponen=Component.SD) == ["KDR-OWN"]
    assert listed(client, komponen=Component.ANAK_USIA_DINI) == ["KDR-SAME"]
    assert listed(client, komponen=Component.SMA) == []  # that member moved away
    assert listed(client, komponen=Component.LANSIA) == []


def test_filter_by_days_since_last_visit(client, world):
    kpm_recent = KpmFactory.create(kpm_id="KDR-RECENT", pendamping=world.pendamping_kota)
    kpm_recent.last_visit_on = TODAY - timedelta(days=10)
    kpm_recent.save()
    world.kpm_own.last_visit_on = TODAY - timedelta(days=45)
    world.kpm_own.save()
    world.kpm_graduated.last_visit_on = TODAY - timedelta(days=120)
    world.kpm_graduated.save()
    never = KpmFactory.create(kpm_id="KDR-NEVER", pendamping=world.pendamping_kota)
    client.force_login(world.pendamping_kota.user)
    assert listed(client, kunjungan="belum") == [never.kpm_id]
    assert listed(client, kunjungan="30") == ["KDR-GRAD", "KDR-OWN"]
    assert listed(client, kunjungan="90") == ["KDR-GRAD"]
    assert listed(client, kunjungan="perlu") == ["KDR-GRAD", "KDR-NEVER", "KDR-OWN"]


def test_filter_by_noncompliance_flag(client, world):
    world.kpm_own.noncompliant = True
    world.kpm_own.save()
    client.force_login(world.pendamping_kota.user)
    assert listed(client, komitmen="ya") == ["KDR-OWN"]
    assert listed(client, komitmen="tidak") == ["KDR-GRAD"]


def test_filter_by_commitment_verification_due_this_month(client, world):
    pupil = child(world.kpm_own, 9, SchoolLevel.SD)
    child(world.kpm_graduated, 9, SchoolLevel.SD)
    client.force_login(world.pendamping_kota.user)
    assert listed(client, verifikasi="belum") == ["KDR-GRAD", "KDR-OWN"]
    CommitmentVerification.objects.create(
        kpm=world.kpm_own,
        anggota=pupil,
        month=TODAY.replace(day=1),
        kind="sekolah",
        attendance_pct=90,
        compliant=True,
        recorded_by=world.pendamping_kota.user,
    )
    assert listed(client, verifikasi="belum") == ["KDR-GRAD"]


def test_dinsos_filters_by_pendamping_and_by_no_pendamping(client, world):
    orphan = KpmFactory.create(kpm_id="KDR-ORPHAN")
    client.force_login(world.dinsos_kota)
    assert listed(client, pendamping=world.pendamping_kota_other.pk) == ["KDR-SAME"]
    assert listed(client, pendamping="null") == [orphan.kpm_id]


def test_pendamping_choices_stay_in_the_officers_kabupaten(client, world):
    client.force_login(world.dinsos_kota)
    field = client.get(CASELOAD).context["filter"].form.fields["pendamping"]
    assert set(field.queryset) == {world.pendamping_kota, world.pendamping_kota_other}
    client.force_login(world.dinsos_kota)
    response = client.get(CASELOAD, {"pendamping": world.pendamping_kab.pk})
    assert "pendamping" in response.context["filter"].form.errors


def test_a_pendamping_has_no_pendamping_filter(client, world):
    client.force_login(world.pendamping_kota.user)
    response = client.get(CASELOAD, {"pendamping": world.pendamping_kota_other.pk})
    assert "pendamping" not in response.context["filter"].form.fields
    assert [r.kpm.kpm_id for r in response.context["rows"]] == ["KDR-GRAD", "KDR-OWN"]


# --- sorting and pages -------------------------------------------------------------------


@pytest.fixture
def three_kpm(world):
    """Three KPM of pendamping_kota with distinct pengurus, desa, visits and status."""
    rows = [
        ("KDR-A", DESA_KOTA_KEDIRI_2, "Citra", 5, KpmStatus.ACTIVE),
        ("KDR-B", DESA_KOTA_KEDIRI, "Ani", None, KpmStatus.WAITING),
        ("KDR-C", DESA_KOTA_KEDIRI, "Bunga", 40, KpmStatus.GRADUATED),
    ]
    for kpm_id, desa, name, days, status in rows:
        kpm = KpmFactory.create(
            kpm_id=kpm_id, desa_code=desa, pendamping=world.pendamping_kota_other, status=status
        )
        if days is not None:
            kpm.last_visit_on = TODAY - timedelta(days=days)
            kpm.save()
        AnggotaFactory.create(kpm=kpm, pengurus=True, nama=name)
    world.kpm_same_district.status = KpmStatus.EXITED
    world.kpm_same_district.save()
    return world


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("kpm_id", ["KDR-A", "KDR-B", "KDR-C", "KDR-SAME"]),
        ("-kpm_id", ["KDR-SAME", "KDR-C", "KDR-B", "KDR-A"]),
        ("pengurus", ["KDR-B", "KDR-C", "KDR-A", "KDR-SAME"]),  # Ani, Bunga, Citra, Ibu ...
        ("-pengurus", ["KDR-SAME", "KDR-A", "KDR-C", "KDR-B"]),
        ("kunjungan", ["KDR-B", "KDR-SAME", "KDR-C", "KDR-A"]),  # never visited first
        ("-kunjungan", ["KDR-A", "KDR-C", "KDR-B", "KDR-SAME"]),
        ("status", ["KDR-A", "KDR-C", "KDR-SAME", "KDR-B"]),  # aktif, graduasi, keluar, menunggu
        ("-status", ["KDR-B", "KDR-SAME", "KDR-C", "KDR-A"]),
    ],
)
def test_sorting(client, three_kpm, sort, expected):
    client.force_login(three_kpm.pendamping_kota_other.user)
    assert listed(client, urut=sort) == expected


def test_sorting_by_desa_name_both_ways(client, three_kpm):
    client.force_login(three_kpm.pendamping_kota_other.user)
    names = [Kpm.objects.get(kpm_id=i).desa.name for i in listed(client, urut="desa")]
    assert names == sorted(names)
    assert listed(client, urut="-desa") != listed(client, urut="desa")
    names = [Kpm.objects.get(kpm_id=i).desa.name for i in listed(client, urut="-desa")]
    assert names == sorted(names, reverse=True)


def test_an_unknown_sort_is_ignored(client, world):
    client.force_login(world.pendamping_kota.user)
    assert listed(client, urut="DROP TABLE") == ["KDR-GRAD", "KDR-OWN"]


def test_pages_of_25_keep_the_filters_in_their_links(client, world):
    for n in range(30):
        KpmFactory.create(kpm_id=f"KDR-P{n:02d}", pendamping=world.pendamping_kota)
    client.force_login(world.pendamping_kota.user)
    first = client.get(CASELOAD, {"status": "aktif"})
    assert len(first.context["rows"]) == 25
    assert first.context["page"].paginator.count == 31
    assert "status=aktif" in first.context["next_url"]
    assert "halaman=2" in first.context["next_url"]
    second = client.get(CASELOAD + first.context["next_url"])
    assert len(second.context["rows"]) == 6
    assert second.context["next_url"] == ""
    assert client.get(CASELOAD, {"halaman": "999"}).context["page"].number == 2


def test_htmx_request_gets_only_the_results(client, world):
    client.force_login(world.pendamping_kota.user)
    response = client.get(CASELOAD, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="hasil")
    page = response.content.decode()
    assert 'id="hasil"' in page
    assert "<html" not in page


# --- query counts ------------------------------------------------------------------------


def caseload_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CASELOAD, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_kpm(pendamping, count: int, start: int = 0) -> None:
    """KPM with a pupil; every other one assessed (alternately belum and alamiah, each with an
    open proposal every third KPM)."""
    for n in range(start, start + count):
        kpm = KpmFactory.create(kpm_id=f"KDR-Q{n:03d}", pendamping=pendamping)
        AnggotaFactory.create(kpm=kpm, pengurus=True)
        child(kpm, 8, SchoolLevel.SD)
        if n % 2:
            status = AssessmentStatus.ALAMIAH if n % 4 == 1 else AssessmentStatus.BELUM
            KpmAssessment.objects.create(
                kpm=kpm, status=status, reasons=[], component_count=1, yearly_benefit=900_000,
                per_tahap=225_000, status_since=TODAY, updated_at=timezone.now(),
            )  # fmt: skip
        if n % 3 == 0:
            Proposal.objects.create(
                kpm=kpm, pendamping=pendamping, type="alamiah", status="diajukan",
                created_by=pendamping.user,
            )  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "q": "a",
            "komponen": "sd",
            "kunjungan": "perlu",
            "verifikasi": "belum",
            "urut": "-pengurus",
        },
        {"graduasi": "alamiah", "usulan": "tanpa"},
        {"graduasi": "belum_dinilai", "usulan": "ada", "status": "aktif"},
        {"graduasi": "belum", "q": "KDR"},
    ],
)
def test_query_count_does_not_grow_with_the_caseload(client, world, params):
    client.force_login(world.dinsos_kota)
    add_kpm(world.pendamping_kota, 5)
    few = caseload_queries(client, **params)
    add_kpm(world.pendamping_kota_other, 55, start=5)
    many = caseload_queries(client, **params)
    assert few == many


# --- components in SQL agree with graduasi.rules -----------------------------------------

ON_DATES = [date(2026, 7, 1), date(2027, 2, 28), date(2028, 2, 29), date(2027, 3, 1)]


def member_cases(on: date) -> list[dict]:
    """Members on each side of every bound of every component on `on`."""
    yb = years_before
    return [
        {"tanggal_lahir": yb(on, 6), "jenis_kelamin": "L"},  # 6 today: anak usia dini
        {"tanggal_lahir": yb(on, 7), "jenis_kelamin": "L"},  # 7 today: none
        {"tanggal_lahir": yb(on, 7) + timedelta(days=1), "jenis_kelamin": "L"},
        {"tanggal_lahir": yb(on, 5), "jenjang_sekolah": "PAUD"},  # PAUD is not school
        {"tanggal_lahir": yb(on, 6), "jenjang_sekolah": "SD"},  # SD at six
        {"tanggal_lahir": yb(on, 21), "jenjang_sekolah": "SMA"},
        {"tanggal_lahir": yb(on, 22), "jenjang_sekolah": "SMA"},  # too old for SMA
        {"tanggal_lahir": yb(on, 22) + timedelta(days=1), "jenjang_sekolah": "SMP"},
        {"tanggal_lahir": yb(on, 70)},  # lansia from the birthday itself
        {"tanggal_lahir": yb(on, 70) + timedelta(days=1)},
        {"tanggal_lahir": yb(on, 9), "jenjang_sekolah": "SD", "disabilitas_berat": True},
        {"tanggal_lahir": yb(on, 30), "hamil": True, "perkiraan_lahir": on + timedelta(days=60)},
        {"tanggal_lahir": yb(on, 30), "hamil": True, "perkiraan_lahir": on - timedelta(days=5)},
        {
            "tanggal_lahir": yb(on, 30),
            "hamil": True,
            "perkiraan_lahir": on - timedelta(days=5),
            "tanggal_persalinan": on - timedelta(days=3),
        },
        {"tanggal_lahir": yb(on, 30), "tanggal_persalinan": on - timedelta(days=42)},
        {"tanggal_lahir": yb(on, 30), "tanggal_persalinan": on - timedelta(days=43)},
        {"tanggal_lahir": yb(on, 30), "tanggal_persalinan": on + timedelta(days=2)},
        {"tanggal_lahir": yb(on, 75), "status": MemberStatus.DIED},
        {"tanggal_lahir": on + timedelta(days=3)},  # not born yet on that day
        {"tanggal_lahir": date(2020, 2, 29), "jenis_kelamin": "L"},  # leap-day birthday
        {"tanggal_lahir": date(1956, 2, 29)},
        {"tanggal_lahir": yb(on, 40), "disabilitas_berat": True},
    ]


@pytest.mark.parametrize("on", ON_DATES, ids=str)
def test_sql_component_equals_the_rule(db, on):
    kpm = KpmFactory.create()
    made = [
        AnggotaFactory.create(kpm=kpm, hubungan="anak", **{"jenis_kelamin": "P", **facts})
        for facts in member_cases(on)
    ]
    in_sql = dict(
        Anggota.objects.filter(kpm=kpm)
        .annotate(c=anggota_component(on=on, policy=DEFAULT_POLICY))
        .values_list("pk", "c")
    )
    for anggota in made:
        rule = member_component(member_facts(anggota), on=on, policy=DEFAULT_POLICY)
        assert in_sql[anggota.pk] == (rule.value if rule else None), (on, anggota.tanggal_lahir)
    assert {c for c in in_sql.values() if c} == {c.value for c in Component}


def test_commitment_due_counts_only_members_who_owe_one(db, world):
    lansia = KpmFactory.create(pendamping=world.pendamping_kota)
    AnggotaFactory.create(kpm=lansia, tanggal_lahir=years_before(TODAY, 75))
    pupil_kpm = KpmFactory.create(pendamping=world.pendamping_kota)
    child(pupil_kpm, 10, SchoolLevel.SD)
    due = Kpm.objects.filter(kpm_commitment_due(on=TODAY, policy=DEFAULT_POLICY))
    assert set(due) == {pupil_kpm}
