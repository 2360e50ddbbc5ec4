"""The graduation assessment as users see it: the status section of the KPM profile, the
caseload filter and badge, and the Beranda's target progress and candidates without a
proposal. Rows are written as the nightly pipeline stores them (Reason.as_json())."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from graduasi.models import (
    AssessmentStatus,
    GraduationType,
    KpmAssessment,
    Proposal,
    ProposalStatus,
)
from graduasi.rules import DEFAULT_POLICY, Code, Reason, Status, months_before, target_progress
from kpm.models import Kpm, KpmStatus
from kpm.selectors import years_before
from pendamping.models import (
    AttendanceStatus,
    CommitmentVerification,
    MeetingStatus,
    P2k2Attendance,
    P2k2Group,
    P2k2Meeting,
    P2k2Session,
)
from tests.conftest import DESA_KOTA_KEDIRI_2
from tests.factories import AnggotaFactory, KpmFactory

TODAY = timezone.localdate()
JAKARTA = ZoneInfo("Asia/Jakarta")
HOME = reverse("home")
CASELOAD = reverse("kpm:caseload")

HAS_COMPONENTS = Reason(
    Code.HAS_COMPONENTS, False, Status.ALAMIAH, {"count": 2, "yearly": 3_900_000}
)
NO_COMPONENT = Reason(Code.NO_COMPONENT, True, Status.ALAMIAH, {"since": date(2026, 7, 1)})
INCOME_OK = Reason(
    Code.INCOME_AT_OR_ABOVE_LINE,
    True,
    Status.SEJAHTERA,
    {
        "assessed_on": date(2026, 3, 3),
        "income_per_member": 742_000,
        "line": 609_160,
        "multiplier": DEFAULT_POLICY.poverty_line_multiplier,
        "threshold": 609_160,
        "stable_income": True,
    },
)
NO_ASSESSMENT = Reason(Code.NO_ASSESSMENT, False, Status.SEJAHTERA)
DESIL_WITHIN = Reason(
    Code.DESIL_WITHIN_CEILING, False, Status.SEJAHTERA, {"desil": 2, "ceiling": 4}
)
YEARS_BELOW = Reason(
    Code.YEARS_IN_PKH_BELOW,
    False,
    Status.TINJAU,
    {"entry_date": date(2022, 1, 1), "max_years": 5, "reached_on": date(2027, 1, 1)},
)
YEARS_REACHED = Reason(
    Code.YEARS_IN_PKH_REACHED,
    True,
    Status.TINJAU,
    {"entry_date": date(2020, 1, 1), "max_years": 5, "reached_on": date(2025, 1, 1)},
)
REASONS = {
    AssessmentStatus.ALAMIAH: (NO_COMPONENT, NO_ASSESSMENT, DESIL_WITHIN, YEARS_BELOW),
    AssessmentStatus.SEJAHTERA: (HAS_COMPONENTS, INCOME_OK, DESIL_WITHIN, YEARS_BELOW),
    AssessmentStatus.TINJAU: (HAS_COMPONENTS, NO_ASSESSMENT, DESIL_WITHIN, YEARS_REACHED),
    AssessmentStatus.BELUM: (HAS_COMPONENTS, NO_ASSESSMENT, DESIL_WITHIN, YEARS_BELOW),
}


def assessed(kpm: Kpm, status: str, **fields) -> KpmAssessment:
    """The row the pipeline would store for `kpm` with this status and its usual reasons."""
    components = 0 if status == AssessmentStatus.ALAMIAH else 2
    values = {
        "status": status,
        "reasons": [r.as_json() for r in REASONS[AssessmentStatus(status)]],
        "component_count": components,
        "yearly_benefit": 3_900_000 if components else 0,
        "per_tahap": 975_000 if components else 0,
        "projected_graduation": None,
        "status_since": date(2026, 3, 1),
        "updated_at": timezone.now(),
        **fields,
    }
    return KpmAssessment.objects.create(kpm=kpm, **values)


def proposal(kpm: Kpm, status: str, *, decided_at: datetime | None = None, pendamping=None):
    if decided_at is None and status in (ProposalStatus.APPROVED, ProposalStatus.REJECTED):
        decided_at = timezone.now()
    owner = pendamping or kpm.pendamping
    assert owner is not None
    return Proposal.objects.create(
        kpm=kpm,
        pendamping=owner,
        type=GraduationType.ALAMIAH,
        status=status,
        created_by=owner.user,
        decided_at=decided_at,
    )


def kpm_of(pendamping, kpm_id: str, desa: str | None = None, **extra) -> Kpm:
    kpm = KpmFactory.create(
        kpm_id=kpm_id, pendamping=pendamping, **({"desa_code": desa} if desa else {}), **extra
    )
    AnggotaFactory.create(kpm=kpm, pengurus=True, nama=f"Ibu {kpm_id}")
    return kpm


def page_of(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- profile -----------------------------------------------------------------------------


def profile_url(kpm: Kpm) -> str:
    return reverse("kpm:profile", args=[kpm.kpm_id])


def test_profile_shows_status_since_reasons_benefit_and_projected_date(client, world):
    assessed(
        world.kpm_own,
        AssessmentStatus.SEJAHTERA,
        projected_graduation=date(2031, 6, 1),
        yearly_benefit=3_900_000,
        per_tahap=975_000,
    )
    client.force_login(world.pendamping_kota.user)
    page = page_of(client, profile_url(world.kpm_own))
    assert "Status graduasi" in page
    assert 'data-testid="graduation-status">Graduasi sejahtera<' in page
    assert "sejak 1 Maret 2026" in page
    holding = (
        "Pendapatan per anggota Rp742.000 ≥ garis kemiskinan Rp609.160 × 1,00 "
        "(asesmen 3 Maret 2026), penghasilan tetap"
    )
    assert 'data-holds="1"><span class="mark" aria-hidden="true">&#10003;</span>' in page
    marked = page.split('data-holds="1">', 1)[1].split("</li>", 1)[0]
    assert holding in marked
    for sentence in (
        "Masih ada 2 komponen, Rp3.900.000 per tahun",
        "Desil DTSEN 2 belum di atas batas desil 4",
        "Belum 5 tahun di PKH: masuk 1 Januari 2022, genap 5 tahun pada 1 Januari 2027",
    ):
        assert sentence in page
    assert page.count('data-holds="1"') == 1
    assert 'data-testid="projected-graduation">1 Juni 2031<' in page
    assert 'data-testid="graduation-yearly">Rp3.900.000<' in page
    assert 'data-testid="graduation-tahap">Rp975.000<' in page
    # near the top: before the members and the benefit
    assert page.index("Status graduasi") < page.index('data-testid="benefit"')


def test_profile_without_an_assessment_says_it_runs_nightly(client, world):
    client.force_login(world.pendamping_kota.user)
    page = page_of(client, profile_url(world.kpm_own))
    assert "Belum dinilai; penilaian berjalan setiap malam." in page
    assert 'data-testid="graduation-status"' not in page


def test_profile_of_a_graduated_kpm_says_only_active_kpm_are_assessed(client, world):
    client.force_login(world.pendamping_kota.user)
    page = page_of(client, profile_url(world.kpm_graduated))
    assert "Hanya KPM aktif yang dinilai untuk graduasi." in page


def test_no_projected_date_when_no_component_is_left(client, world):
    assessed(world.kpm_own, AssessmentStatus.ALAMIAH)
    client.force_login(world.pendamping_kota.user)
    page = page_of(client, profile_url(world.kpm_own))
    assert "Tidak ada komponen lagi sejak 1 Juli 2026" in page
    assert 'data-testid="projected-graduation">Tidak ada: sudah tidak ada komponen<' in page


def test_no_projected_date_while_a_lansia_member_remains(client, world):
    AnggotaFactory.create(
        kpm=world.kpm_own, tanggal_lahir=years_before(TODAY, 75), hubungan="orang_tua"
    )
    assessed(world.kpm_own, AssessmentStatus.BELUM)
    client.force_login(world.pendamping_kota.user)
    page = page_of(client, profile_url(world.kpm_own))
    assert "Tidak ada: ada anggota lansia atau penyandang disabilitas berat" in page


def test_another_pendamping_still_gets_404_for_an_assessed_kpm(client, world):
    assessed(world.kpm_own, AssessmentStatus.SEJAHTERA)
    client.force_login(world.pendamping_kota_other.user)
    assert client.get(profile_url(world.kpm_own)).status_code == 404
    client.force_login(world.dinsos_kab)
    assert client.get(profile_url(world.kpm_own)).status_code == 404


def test_readiness_counts_p2k2_commitments_of_three_months_and_months_since_visit(client, world):
    kpm, own = world.kpm_own, world.pendamping_kota
    group = P2k2Group.objects.create(pendamping=own, name="Melati", desa_id=kpm.desa_id)
    for session in P2k2Session.objects.filter(module__code="ekonomi").order_by("number")[:2]:
        meeting = P2k2Meeting.objects.create(
            group=group, session=session, scheduled_on=TODAY, status=MeetingStatus.HELD
        )
        P2k2Attendance.objects.create(meeting=meeting, kpm=kpm, status=AttendanceStatus.PRESENT)
    pupil = AnggotaFactory.create(kpm=kpm, tanggal_lahir=years_before(TODAY, 10), hubungan="anak")
    month = TODAY.replace(day=1)
    for back, compliant in [(0, True), (1, False), (2, True), (3, False)]:  # 3 back: too old
        CommitmentVerification.objects.create(
            kpm=kpm, anggota=pupil, month=months_before(month, back), kind="sekolah",
            attendance_pct=90 if compliant else 50, compliant=compliant, recorded_by=own.user,
        )  # fmt: skip
    kpm.last_visit_on = months_before(TODAY, 2) - timedelta(days=1)
    kpm.save()
    client.force_login(own.user)
    response = client.get(profile_url(kpm))
    readiness = response.context["p"].readiness
    sessions = P2k2Session.objects.count()
    assert (readiness.p2k2_attended, readiness.p2k2_sessions) == (2, sessions)
    assert (readiness.p2k2_modules, readiness.p2k2_module_total) == (1, 5)
    assert (readiness.compliant, readiness.verified, readiness.compliance_pct) == (2, 3, 66)
    assert readiness.months_since_visit == 2
    page = response.content.decode()
    assert f"2 dari {sessions} sesi (1 dari 5 modul)" in page
    assert "66% (2 dari 3 anggota-bulan terverifikasi)" in page
    assert 'data-testid="readiness-visit">2 bulan<' in page


def test_readiness_of_a_kpm_never_visited_nor_verified(client, world):
    client.force_login(world.pendamping_kota.user)
    page = page_of(client, profile_url(world.kpm_own))
    assert 'data-testid="readiness-visit">Belum pernah dikunjungi<' in page
    assert 'data-testid="readiness-compliance">Belum ada verifikasi<' in page


def test_profile_is_indonesian_by_default_and_dates_follow_the_language(client, world):
    assessed(world.kpm_own, AssessmentStatus.ALAMIAH)
    client.force_login(world.pendamping_kota.user)
    response = client.get(profile_url(world.kpm_own), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id"
    assert "1 Juli 2026" in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.get(profile_url(world.kpm_own))
    assert response["Content-Language"] == "en"
    assert "1 July 2026" in response.content.decode()


# --- caseload ----------------------------------------------------------------------------


@pytest.fixture
def statuses(world):
    """pendamping_kota: KDR-OWN alamiah, KDR-SEJ sejahtera, KDR-TIN tinjau, KDR-BEL belum,
    KDR-NEW not assessed yet, KDR-GRAD graduated (never assessed); KDR-SAME (another
    pendamping's) sejahtera."""
    own = world.pendamping_kota
    assessed(world.kpm_own, AssessmentStatus.ALAMIAH)
    assessed(kpm_of(own, "KDR-SEJ"), AssessmentStatus.SEJAHTERA)
    assessed(kpm_of(own, "KDR-TIN"), AssessmentStatus.TINJAU)
    assessed(kpm_of(own, "KDR-BEL"), AssessmentStatus.BELUM)
    kpm_of(own, "KDR-NEW")
    assessed(world.kpm_same_district, AssessmentStatus.SEJAHTERA)
    return world


def listed(client, **params) -> list[str]:
    response = client.get(CASELOAD, params)
    assert response.status_code == 200
    return [row.kpm.kpm_id for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("alamiah", ["KDR-OWN"]),
        ("sejahtera", ["KDR-SEJ"]),
        ("tinjau", ["KDR-TIN"]),
        ("belum", ["KDR-BEL"]),
        ("belum_dinilai", ["KDR-GRAD", "KDR-NEW"]),
    ],
)
def test_caseload_filter_by_graduation_status(client, statuses, value, expected):
    client.force_login(statuses.pendamping_kota.user)
    assert listed(client, graduasi=value) == expected


def test_not_assessed_and_active_leaves_out_the_graduated(client, statuses):
    client.force_login(statuses.pendamping_kota.user)
    assert listed(client, graduasi="belum_dinilai", status="aktif") == ["KDR-NEW"]


def test_dinsos_filter_covers_the_kabupaten(client, statuses):
    client.force_login(statuses.dinsos_kota)
    assert listed(client, graduasi="sejahtera") == ["KDR-SAME", "KDR-SEJ"]
    client.force_login(statuses.dinsos_kab)
    assert listed(client, graduasi="sejahtera") == []


def test_an_unknown_graduation_status_is_a_form_error(client, statuses):
    client.force_login(statuses.pendamping_kota.user)
    response = client.get(CASELOAD, {"graduasi": "mandiri"})
    assert "graduasi" in response.context["filter"].form.errors


def test_each_row_shows_its_graduation_badge(client, statuses):
    client.force_login(statuses.pendamping_kota.user)
    response = client.get(CASELOAD)
    shown = {r.kpm.kpm_id: (r.graduasi_status, r.graduasi_label) for r in response.context["rows"]}
    assert shown["KDR-TIN"] == ("tinjau", "Perlu ditinjau")
    assert shown["KDR-NEW"] == (None, "")
    page = response.content.decode()
    for status in AssessmentStatus:
        assert f'<span class="tag status-{status.value}">{status.label}</span>' in page
    assert '<span class="tag status-none">Belum dinilai</span>' in page


def test_caseload_filter_by_proposal(client, statuses):
    sej = Kpm.objects.get(kpm_id="KDR-SEJ")
    proposal(sej, ProposalStatus.SUBMITTED)
    proposal(statuses.kpm_own, ProposalStatus.REJECTED)
    client.force_login(statuses.pendamping_kota.user)
    assert listed(client, usulan="ada") == ["KDR-SEJ"]
    assert "KDR-OWN" in listed(client, usulan="tanpa")
    assert listed(client, graduasi="sejahtera", usulan="tanpa") == []


# --- Beranda -----------------------------------------------------------------------------


def expected_pace(approved: int) -> str:
    progress = target_progress(approved=approved, on=TODAY, policy=DEFAULT_POLICY)
    if progress.on_track:
        return "Sesuai jadwal"
    return f"Tertinggal: seharusnya sudah {progress.expected_by_now}"


@pytest.fixture
def decided(world):
    """pendamping_kota: three approvals this year (one on 1 January 00:30 in Jakarta, which is
    still 31 December in UTC), one last year, one rejected; a proposal submitted, one
    returned, one draft. Another pendamping's approval."""
    own = world.pendamping_kota
    year = TODAY.year
    this_year = [
        timezone.now(),
        timezone.now() - timedelta(minutes=5),
        datetime(year, 1, 1, 0, 30, tzinfo=JAKARTA),
    ]
    for n, when in enumerate(this_year):
        proposal(kpm_of(own, f"KDR-OK{n}"), ProposalStatus.APPROVED, decided_at=when)
    last_year = datetime(year - 1, 12, 31, 23, 30, tzinfo=JAKARTA)
    proposal(kpm_of(own, "KDR-LAMA"), ProposalStatus.APPROVED, decided_at=last_year)
    proposal(kpm_of(own, "KDR-TOLAK"), ProposalStatus.REJECTED)
    for n, status in enumerate(
        [ProposalStatus.SUBMITTED, ProposalStatus.RETURNED, ProposalStatus.DRAFT]
    ):
        proposal(kpm_of(own, f"KDR-U{n}"), status)
    proposal(world.kpm_same_district, ProposalStatus.APPROVED)
    return world


def test_beranda_shows_progress_toward_the_yearly_target(client, decided):
    client.force_login(decided.pendamping_kota.user)
    response = client.get(HOME)
    target = response.context["target"]
    assert (target.progress.approved, target.progress.target, target.pending) == (3, 10, 2)
    page = response.content.decode()
    assert 'data-testid="target-progress">3 dari 10 graduasi (30%)<' in page
    assert '<progress max="10" value="3"' in page
    assert expected_pace(3) in page
    assert "2 usulan menunggu keputusan Dinsos" in page


def test_a_pendamping_at_the_target_is_on_track(client, world):
    for n in range(10):
        proposal(kpm_of(world.pendamping_kota, f"KDR-OK{n:02d}"), ProposalStatus.APPROVED)
    client.force_login(world.pendamping_kota.user)
    page = page_of(client, HOME)
    assert "10 dari 10 graduasi (100%)" in page
    assert "Sesuai jadwal" in page


def test_nothing_approved_shows_how_many_were_expected_by_now(client, world):
    client.force_login(world.pendamping_kota.user)
    page = page_of(client, HOME)
    assert "0 dari 10 graduasi (0%)" in page
    assert expected_pace(0) in page


@pytest.fixture
def candidates(world):
    """Candidates of pendamping_kota: KDR-OWN alamiah, KDR-REJ sejahtera whose proposal was
    rejected. Not: KDR-OPEN (submitted), KDR-DRAF (draft), KDR-DONE (approved), KDR-TIN
    (tinjau), KDR-GRAD (graduated, a stale alamiah row). KDR-SAME (the other pendamping's)
    is alamiah."""
    own = world.pendamping_kota
    assessed(world.kpm_own, AssessmentStatus.ALAMIAH)
    rejected = kpm_of(own, "KDR-REJ", desa=DESA_KOTA_KEDIRI_2)
    assessed(rejected, AssessmentStatus.SEJAHTERA)
    proposal(rejected, ProposalStatus.REJECTED)
    for kpm_id, status in [
        ("KDR-OPEN", ProposalStatus.SUBMITTED),
        ("KDR-DRAF", ProposalStatus.DRAFT),
        ("KDR-DONE", ProposalStatus.APPROVED),
    ]:
        kpm = kpm_of(own, kpm_id)
        assessed(kpm, AssessmentStatus.SEJAHTERA)
        proposal(kpm, status)
    assessed(kpm_of(own, "KDR-TIN"), AssessmentStatus.TINJAU)
    assessed(world.kpm_graduated, AssessmentStatus.ALAMIAH)
    assessed(world.kpm_same_district, AssessmentStatus.ALAMIAH)
    return world


def test_beranda_lists_candidates_without_a_proposal(client, candidates):
    client.force_login(candidates.pendamping_kota.user)
    response = client.get(HOME)
    found = response.context["candidates"]
    assert (found.alamiah, found.sejahtera, found.total) == (1, 1, 2)
    assert [c.kpm.kpm_id for c in found.first] == ["KDR-OWN", "KDR-REJ"]  # alamiah first
    page = response.content.decode()
    listing = page.split('data-testid="list-candidates"', 1)[1].split("</ul>", 1)[0]
    rejected = Kpm.objects.select_related("desa").get(kpm_id="KDR-REJ")
    assert f'href="{profile_url(rejected)}"' in listing
    assert "Ibu KDR-REJ" in listing
    assert rejected.desa.name in listing
    assert '<span class="tag status-sejahtera">Graduasi sejahtera</span>' in listing
    assert "Tidak ada komponen lagi sejak 1 Juli 2026" in listing
    assert "Rp742.000 ≥ garis kemiskinan Rp609.160 × 1,00" in listing
    assert "Masih ada 2 komponen" not in listing  # only the reasons that hold
    for kpm_id in ("KDR-OPEN", "KDR-DRAF", "KDR-DONE", "KDR-TIN", "KDR-GRAD", "KDR-SAME"):
        assert kpm_id not in listing


def test_the_candidate_counts_link_to_the_same_kpm_in_the_caseload(client, candidates):
    client.force_login(candidates.pendamping_kota.user)
    page = page_of(client, HOME)
    link = f"{CASELOAD}?status=aktif&amp;graduasi=sejahtera&amp;usulan=tanpa"
    assert f'href="{link}"' in page
    assert listed(client, status="aktif", graduasi="sejahtera", usulan="tanpa") == ["KDR-REJ"]
    assert listed(client, status="aktif", graduasi="alamiah", usulan="tanpa") == ["KDR-OWN"]


def test_an_open_proposal_removes_a_candidate_and_a_rejection_brings_it_back(client, candidates):
    client.force_login(candidates.pendamping_kota.user)
    submitted = proposal(candidates.kpm_own, ProposalStatus.SUBMITTED)
    assert client.get(HOME).context["candidates"].alamiah == 0
    submitted.status, submitted.decided_at = ProposalStatus.REJECTED, timezone.now()
    submitted.save()
    assert client.get(HOME).context["candidates"].alamiah == 1


def test_dinsos_sees_the_kabupaten_candidate_count_without_a_list(client, candidates):
    client.force_login(candidates.dinsos_kota)
    response = client.get(HOME)
    found = response.context["candidates"]
    assert (found.alamiah, found.sejahtera, found.first) == (2, 1, [])
    assert "target" not in response.context
    page = response.content.decode()
    assert 'data-testid="candidates-total">3 KPM aktif' in page
    assert 'data-testid="list-candidates"' not in page
    client.force_login(candidates.dinsos_kab)
    assert client.get(HOME).context["candidates"].total == 0


def test_beranda_is_indonesian_by_default(client, candidates):
    client.force_login(candidates.pendamping_kota.user)
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id"
    page = response.content.decode()
    assert "Calon graduasi tanpa usulan" in page
    assert f"Target graduasi {TODAY.year}" in page


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(HOME).status_code == 200
    return len(ctx.captured_queries)


def test_more_candidates_and_proposals_add_no_queries_to_the_beranda(client, candidates):
    own = candidates.pendamping_kota
    client.force_login(own.user)
    few = home_queries(client)
    for n in range(15):
        kpm = kpm_of(own, f"KDR-C{n:02d}")
        assessed(kpm, AssessmentStatus.SEJAHTERA if n % 2 else AssessmentStatus.ALAMIAH)
        if n % 3 == 0:
            proposal(kpm_of(own, f"KDR-P{n:02d}"), ProposalStatus.APPROVED)
    response = client.get(HOME)
    assert len(response.context["candidates"].first) == 10
    assert response.context["candidates"].total == 17
    assert home_queries(client) == few
    client.force_login(candidates.dinsos_kota)
    dinsos = home_queries(client)
    assessed(kpm_of(own, "KDR-LAGI"), AssessmentStatus.ALAMIAH)
    assert home_queries(client) == dinsos


def test_a_pendamping_user_without_a_pendamping_record_gets_no_target(client, world):
    from tests.factories import UserFactory

    client.force_login(UserFactory.create())
    response = client.get(HOME)
    assert response.status_code == 200
    assert response.context["target"] is None
    assert 'data-testid="target"' not in response.content.decode()


def test_a_graduated_kpm_keeps_no_assessment_badge_in_the_caseload(client, world):
    client.force_login(world.pendamping_kota.user)
    response = client.get(CASELOAD, {"status": KpmStatus.GRADUATED})
    (row,) = response.context["rows"]
    assert row.graduasi_status is None
