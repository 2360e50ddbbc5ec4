"""The KPM profile: who may open it, NIK masking, components and the 4-component cap, the
history sections, and a query count that does not follow the history's length."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from graduasi.models import KpmAssessment
from kpm.models import Anggota, DesilHistory, Kpm, KpmStatus, SchoolLevel
from kpm.selectors import years_before
from pendamping.models import (
    AttendanceStatus,
    CommitmentVerification,
    EconomicAssessment,
    MeetingStatus,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Session,
    Visit,
)
from tests.factories import AnggotaFactory, EconomicAssessmentFactory, KpmFactory

TODAY = timezone.localdate()
PENGURUS_NIK = "3571015808780002"  # kpm_own's pengurus


def profile_url(kpm: Kpm | str) -> str:
    return reverse("kpm:profile", args=[getattr(kpm, "kpm_id", kpm)])


def login(client, world, persona: str) -> None:
    who = getattr(world, persona)
    client.force_login(getattr(who, "user", who))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("pendamping_kota", 200),  # own KPM
        ("pendamping_kota_other", 404),  # another pendamping, same kabupaten
        ("pendamping_kab", 404),  # another kabupaten
        ("dinsos_kota", 200),
        ("dinsos_kab", 404),
        ("kementerian_jatim", 200),
        ("kementerian_jabar", 404),
        ("admin", 200),
        ("agency", 403),  # agencies read graduated KPM over the API, not these pages
    ],
)
def test_who_may_open_a_profile(client, world, persona, status):
    login(client, world, persona)
    assert client.get(profile_url(world.kpm_own)).status_code == status


def test_agency_is_refused_even_for_a_graduated_kpm(client, world):
    client.force_login(world.agency)
    assert client.get(profile_url(world.kpm_graduated)).status_code == 403


def test_an_unknown_kpm_answers_like_one_out_of_scope(client, world):
    client.force_login(world.dinsos_kota)
    assert client.get(profile_url("TIDAK-ADA")).status_code == 404
    assert client.get(profile_url(world.kpm_other_district)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(profile_url(world.kpm_own))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_profile_route_does_not_shadow_the_import_pages(client, world):
    client.force_login(world.dinsos_kota)
    assert reverse("kpm:import_upload") == "/kpm/impor/"
    response = client.get("/kpm/impor/")
    assert response.status_code == 200
    assert response.templates[0].name == "kpm/import_upload.html"
    assert client.get("/kpm/pindah-pendamping/").status_code == 405  # POST only


def test_household_facts_are_shown(client, world):
    DesilHistory.objects.create(kpm=world.kpm_own, desil=3, recorded_on=TODAY, source="manual")
    login(client, world, "pendamping_kota")
    page = client.get(profile_url(world.kpm_own)).content.decode()
    for text in ("Jl. Uji 1", "MOJOROTO", "KOTA KEDIRI", "01-01-2020", "Aktif", "Ibu KDR-OWN"):
        assert text.lower() in page.lower()
    assert f"{TODAY:%d-%m-%Y}: desil 3" in page


@pytest.mark.parametrize(
    ("persona", "full"),
    [
        ("pendamping_kota", True),
        ("dinsos_kota", True),
        ("kementerian_jatim", False),
        ("admin", False),
    ],
)
def test_nik_is_full_only_for_the_own_pendamping_and_dinsos(client, world, persona, full):
    login(client, world, persona)
    page = client.get(profile_url(world.kpm_own)).content.decode()
    assert (PENGURUS_NIK in page) is full
    assert ("3571********0002" in page) is not full


def five_component_members(kpm: Kpm) -> None:
    """Lansia 2.4 jt, anak usia dini 3 jt, SD 0.9 jt, SMP 1.5 jt, SMA 2 jt."""
    AnggotaFactory.create(kpm=kpm, tanggal_lahir=years_before(TODAY, 72), hubungan="orang_tua")
    for years, level in [(3, ""), (9, SchoolLevel.SD), (13, SchoolLevel.SMP), (16, "SMA")]:
        born = years_before(TODAY - timedelta(days=10), years)
        AnggotaFactory.create(kpm=kpm, tanggal_lahir=born, hubungan="anak", jenjang_sekolah=level)


def test_five_components_are_shown_with_four_paid(client, world):
    five_component_members(world.kpm_own)
    login(client, world, "pendamping_kota")
    response = client.get(profile_url(world.kpm_own))
    profile = response.context["p"]
    assert len(profile.benefit.components) == 5
    paid = [m.component_label for m in profile.members if m.paid]
    unpaid = [m.component_label for m in profile.members if m.component and not m.paid]
    assert sorted(paid) == ["Anak SMA", "Anak SMP", "Anak usia dini", "Lanjut usia"]
    assert unpaid == ["Anak SD"]
    page = response.content.decode()
    assert 'data-testid="paid-count">4<' in page
    assert 'data-testid="unpaid-count">1<' in page
    yearly = 3_000_000 + 2_400_000 + 2_000_000 + 1_500_000
    assert f'data-testid="benefit-yearly">Rp{yearly:,}<'.replace(",", ".") in page
    assert f'data-testid="benefit-tahap">Rp{yearly // 4:,}<'.replace(",", ".") in page
    assert "tidak dibayar (batas 4 komponen)" in page


def test_visit_timeline_latest_first_with_purposes_notes_and_income(client, world):
    own = world.pendamping_kota
    old = Visit.objects.create(
        kpm=world.kpm_own, pendamping=own, visited_on=TODAY - timedelta(days=40),
        purposes=["pemutakhiran_data"], notes="Rumah dikunci", created_by=own.user,
    )  # fmt: skip
    new = Visit.objects.create(
        kpm=world.kpm_own, pendamping=own, visited_on=TODAY - timedelta(days=2),
        purposes=["asesmen_graduasi", "pendampingan_usaha"], notes="Warung buka",
        created_by=own.user,
    )  # fmt: skip
    EconomicAssessment.objects.create(
        kpm=world.kpm_own, assessed_on=new.visited_on, household_income=2_400_000,
        member_count=4, stable_income=True, source="kunjungan", visit=new,
    )  # fmt: skip
    login(client, world, "pendamping_kota")
    response = client.get(profile_url(world.kpm_own))
    assert [row.visit for row in response.context["p"].visits] == [new, old]
    page = response.content.decode()
    assert "Asesmen graduasi, Pendampingan usaha" in page
    assert "Warung buka" in page
    assert "Pendapatan per anggota: Rp600.000 per bulan" in page
    assert page.index("Warung buka") < page.index("Rumah dikunci")


def test_commitment_history_shows_six_months_per_member(client, world):
    pupil = AnggotaFactory.create(
        kpm=world.kpm_own, tanggal_lahir=years_before(TODAY, 10), hubungan="anak",
        jenjang_sekolah=SchoolLevel.SD,
    )  # fmt: skip
    month = TODAY.replace(day=1)
    before = (month - timedelta(days=1)).replace(day=1)
    for m, pct in [(month, 90), (before, 60)]:
        CommitmentVerification.objects.create(
            kpm=world.kpm_own, anggota=pupil, month=m, kind="sekolah", attendance_pct=pct,
            compliant=pct >= 85, recorded_by=world.pendamping_kota.user,
        )  # fmt: skip
    login(client, world, "pendamping_kota")
    profile = client.get(profile_url(world.kpm_own)).context["p"]
    assert len(profile.commitment_months) == 6
    assert profile.commitment_months[-1] == month
    (row,) = profile.commitments
    assert row.anggota == pupil
    assert row.months == [None, None, None, None, False, True]


def test_p2k2_attendance_is_counted_per_module(client, world):
    group = P2k2Group.objects.create(
        pendamping=world.pendamping_kota, name="Melati", desa_id=world.kpm_own.desa_id
    )
    first, second = P2k2Session.objects.filter(module__code="ekonomi").order_by("number")[:2]
    for session, status in [(first, AttendanceStatus.PRESENT), (second, AttendanceStatus.EXCUSED)]:
        meeting = P2k2Meeting.objects.create(
            group=group, session=session, scheduled_on=TODAY, status=MeetingStatus.HELD
        )
        P2k2Attendance.objects.create(meeting=meeting, kpm=world.kpm_own, status=status)
    login(client, world, "pendamping_kota")
    modules = {m.name: m for m in client.get(profile_url(world.kpm_own)).context["p"].p2k2}
    ekonomi = modules["Pengelolaan Keuangan dan Perencanaan Usaha"]
    assert (ekonomi.attended, ekonomi.sessions, ekonomi.excused, ekonomi.absent) == (1, 3, 1, 0)
    assert len(modules) == 5


def test_assessments_are_listed(client, world):
    EconomicAssessmentFactory.create(kpm=world.kpm_own, household_income=1_000_000, member_count=4)
    login(client, world, "dinsos_kota")
    page = client.get(profile_url(world.kpm_own)).content.decode()
    assert "Rp1.000.000" in page
    assert "Rp250.000" in page


@pytest.mark.parametrize("persona", ["pendamping_kota", "dinsos_kota", "admin"])
def test_case_workers_get_links_to_record_work(client, world, persona):
    daughter = AnggotaFactory.create(
        kpm=world.kpm_own, tanggal_lahir=years_before(TODAY, 12), hubungan="anak"
    )
    son = AnggotaFactory.create(
        kpm=world.kpm_own, tanggal_lahir=years_before(TODAY, 12), hubungan="anak",
        jenis_kelamin="L",
    )  # fmt: skip
    login(client, world, persona)
    page = client.get(profile_url(world.kpm_own)).content.decode()
    for name in ("kunjungan:create", "komitmen:grid", "anggota:birth"):
        assert f'href="{reverse(name, args=["KDR-OWN"])}"' in page
    for member in (daughter, son):
        assert f'href="{reverse("anggota:school", args=[member.pk])}"' in page
        assert f'href="{reverse("anggota:exit", args=[member.pk])}"' in page
    assert f'href="{reverse("anggota:pregnancy", args=[daughter.pk])}"' in page
    assert f'href="{reverse("anggota:pregnancy", args=[son.pk])}"' not in page


def test_readers_get_no_case_work_links(client, world):
    login(client, world, "kementerian_jatim")
    response = client.get(profile_url(world.kpm_own))
    assert response.context["can_write"] is False
    page = response.content.decode()
    assert 'data-testid="profile-actions"' not in page
    assert reverse("kunjungan:create", args=["KDR-OWN"]) not in page
    assert "/anggota/" not in page


# --- query count -------------------------------------------------------------------------


def add_history(world, kpm: Kpm, n: int) -> None:
    own = world.pendamping_kota
    group, _ = P2k2Group.objects.get_or_create(
        pendamping=own, name="Mawar", defaults={"desa_id": kpm.desa_id}
    )
    sessions = list(P2k2Session.objects.all())
    for i in range(n):
        day = TODAY - timedelta(days=3 * i + 1)
        visit = Visit.objects.create(
            kpm=kpm, pendamping=own, visited_on=day, purposes=["lainnya"], created_by=own.user
        )
        EconomicAssessment.objects.create(
            kpm=kpm, assessed_on=day, household_income=1_000_000 + i, member_count=3,
            stable_income=False, source="kunjungan", visit=visit,
        )  # fmt: skip
        DesilHistory.objects.create(kpm=kpm, desil=2, recorded_on=day, source="manual")
        meeting = P2k2Meeting.objects.create(
            group=group, session=sessions[i % len(sessions)], scheduled_on=day,
            status=MeetingStatus.HELD,
        )  # fmt: skip
        P2k2Attendance.objects.create(meeting=meeting, kpm=kpm, status=AttendanceStatus.PRESENT)
        member = AnggotaFactory.create(
            kpm=kpm, tanggal_lahir=years_before(TODAY, 8 + i % 5), hubungan="anak",
            jenjang_sekolah=SchoolLevel.SD,
        )  # fmt: skip
        CommitmentVerification.objects.create(
            kpm=kpm, anggota=member, month=TODAY.replace(day=1), kind="sekolah",
            attendance_pct=80, compliant=False, recorded_by=own.user,
        )  # fmt: skip


def profile_queries(client, kpm: Kpm) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(profile_url(kpm)).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_follow_the_history_length(client, world):
    """Two graduated KPM (an active one skips the graduation part's referrals and follow-ups)."""
    login(client, world, "pendamping_kota")
    few = KpmFactory.create(
        pendamping=world.pendamping_kota, status=KpmStatus.GRADUATED, graduated_on=TODAY,
        graduation_type="alamiah",
    )  # fmt: skip
    AnggotaFactory.create(kpm=few, pengurus=True)
    add_history(world, few, 2)
    short = profile_queries(client, few)
    add_history(world, world.kpm_graduated, 25)
    long = profile_queries(client, world.kpm_graduated)
    assert Anggota.objects.filter(kpm=world.kpm_graduated).count() == 26
    assert short == long
    assert long <= 16


def test_the_graduation_assessment_comes_with_the_kpm_at_no_extra_query(client, world):
    login(client, world, "pendamping_kota")
    without = profile_queries(client, world.kpm_own)
    KpmAssessment.objects.create(
        kpm=world.kpm_own, status="sejahtera", component_count=0, yearly_benefit=0,
        per_tahap=0, status_since=TODAY, updated_at=timezone.now(),
        reasons=[{"code": "desil_above_ceiling", "holds": True, "status": "sejahtera",
                  "values": {"desil": 5, "ceiling": 4}}],
    )  # fmt: skip
    assert profile_queries(client, world.kpm_own) == without
    assert (
        "Desil DTSEN 5 di atas batas desil 4"
        in client.get(profile_url(world.kpm_own)).content.decode()
    )
