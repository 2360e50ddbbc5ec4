"""The pages after graduation: the profile's graduation section, the follow-up form, the
referral and at-risk lists, the Beranda, the menu and the admin catalogue. Out of scope is 404,
a role that may not act 403, and lists cost the same queries for more rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from kpm.models import ExitReason, Kpm, KpmStatus
from pemberdayaan.models import BusinessStatus, FollowUp, Programme, Referral, ReferralStatus
from pemberdayaan.services.risk import risk_refresh
from tests.audit.test_admin_audit import change_form_data
from tests.conftest import DESA_KOTA_KEDIRI_2, World
from tests.factories import AnggotaFactory, KpmFactory
from tests.pemberdayaan import graduate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HOME = reverse("home")
AT_RISK = reverse("pemberdayaan:at_risk")
REFERRALS = reverse("pemberdayaan:referrals")


def profile_url(kpm: Kpm) -> str:
    return reverse("kpm:profile", args=[kpm.kpm_id])


def login(client, world: World, persona: str) -> None:
    who = getattr(world, persona)
    client.force_login(getattr(who, "user", who))


def page(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def graduated(world: World) -> World:
    """KDR-OWN graduated on 5 November 2026 (tahap 4), referred to PPSE and PNM Mekaar."""
    graduate(
        world.kpm_own, date(2026, 11, 5), actor=world.dinsos_kota, codes=("ppse", "pnm-mekaar")
    )
    return world


def at_risk(kpm: Kpm, *, desil_on: date = date(2026, 12, 1), value: int = 1) -> Kpm:
    kpm.desil_history.create(desil=value, recorded_on=desil_on, source="import")
    risk_refresh([kpm.pk])
    kpm.refresh_from_db()
    return kpm


# The profile --------------------------------------------------------------------------------


def test_the_profile_shows_the_graduation_payments_referrals_and_follow_ups(client, graduated):
    login(client, graduated, "pendamping_kota")
    html = page(client, profile_url(graduated.kpm_own))

    assert 'data-testid="profile-graduation"' in html
    assert '<dd data-testid="graduated-on">05-11-2026</dd>' in html
    assert "Graduasi mandiri" in html
    assert '<dd data-testid="last-paid">Tahap 4 2026</dd>' in html
    assert "Pembayaran berhenti mulai Tahap 1 2027" in html
    assert "Tidak berisiko" in html
    assert html.count('data-testid="referral-row"') == 2
    assert "PPSE: bantuan modal usaha Rp5 juta" in html and "PNM Mekaar" in html
    assert "PT Permodalan Nasional Madani (PNM)" in html
    assert html.count('data-testid="follow-up-row"') == 2
    assert "05-05-2027" in html and "05-11-2027" in html
    six = FollowUp.objects.get(kpm=graduated.kpm_own, months_after=6)
    assert reverse("pemberdayaan:follow_up", args=[six.pk]) in html
    assert 'data-testid="referral-status-form"' not in html  # a pendamping does not change it


def test_the_profile_shows_the_risk_reasons_in_words(client, graduated):
    at_risk(graduated.kpm_own, desil_on=date(2027, 1, 4), value=2)
    login(client, graduated, "dinsos_kota")
    html = page(client, profile_url(graduated.kpm_own))
    assert "Berisiko" in html
    assert "Desil DTSEN 2 tercatat 4 Januari 2027 (berisiko bila 2 atau kurang)" in html


def test_a_dinsos_officer_changes_referrals_and_adds_one_from_the_profile(client, graduated):
    login(client, graduated, "dinsos_kota")
    html = page(client, profile_url(graduated.kpm_own))
    assert html.count('data-testid="referral-status-form"') == 2
    assert reverse("pemberdayaan:referral_add", args=["KDR-OWN"]) in html


def test_an_active_kpm_has_no_graduation_section(client, world):
    login(client, world, "pendamping_kota")
    assert 'data-testid="profile-graduation"' not in page(client, profile_url(world.kpm_own))


def test_an_exited_kpm_has_no_graduation_section(client, world):
    kpm = world.kpm_own
    kpm.status, kpm.exited_on, kpm.exit_reason = KpmStatus.EXITED, TODAY, ExitReason.MOVED
    kpm.save()
    login(client, world, "dinsos_kota")
    assert 'data-testid="profile-graduation"' not in page(client, profile_url(kpm))


# The follow-up form -------------------------------------------------------------------------


def follow_up_url(kpm: Kpm, months: int = 6) -> str:
    follow_up = FollowUp.objects.get(kpm=kpm, months_after=months)
    return reverse("pemberdayaan:follow_up", args=[follow_up.pk])


def form_data(**changes) -> dict[str, str]:
    return {
        "done_on": (TODAY - timedelta(days=1)).isoformat(),
        "monthly_income": "1.500.000",
        "member_count": "3",
        "business_status": BusinessStatus.GROWING,
        "note": "Usaha jahit",
        **changes,
    }


@pytest.fixture
def graduated_earlier(world: World) -> World:
    graduate(world.kpm_own, TODAY - timedelta(days=190), actor=world.dinsos_kota)
    return world


def test_the_form_opens_with_today_and_the_active_members(client, graduated_earlier):
    login(client, graduated_earlier, "pendamping_kota")
    html = page(client, follow_up_url(graduated_earlier.kpm_own))
    assert 'data-testid="follow-up-form"' in html
    assert f'value="{TODAY.isoformat()}"' in html
    assert 'name="member_count" value="1"' in html


def test_the_pendamping_records_a_follow_up_typed_the_indonesian_way(client, graduated_earlier):
    login(client, graduated_earlier, "pendamping_kota")
    url = follow_up_url(graduated_earlier.kpm_own)

    response = client.post(url, form_data())

    assert response.status_code == 302
    assert response["Location"] == profile_url(graduated_earlier.kpm_own)
    six = FollowUp.objects.get(kpm=graduated_earlier.kpm_own, months_after=6)
    assert (six.done_on, six.monthly_income, six.member_count, six.business_status) == (
        TODAY - timedelta(days=1), 1_500_000, 3, "berkembang",
    )  # fmt: skip
    followed = client.get(response["Location"]).content.decode()
    assert "Tindak lanjut 6 bulan tersimpan. Pendapatan per anggota Rp500.000 per bulan." in (
        followed
    )


def test_a_future_date_is_refused_on_the_form(client, graduated_earlier):
    login(client, graduated_earlier, "pendamping_kota")
    url = follow_up_url(graduated_earlier.kpm_own)
    response = client.post(url, form_data(done_on=(TODAY + timedelta(days=1)).isoformat()))
    assert response.status_code == 200
    assert "Tanggal tidak boleh sesudah hari ini." in response.content.decode()
    assert not FollowUp.objects.filter(done_on__isnull=False).exists()


def test_a_date_before_graduation_is_refused_on_the_form(client, graduated_earlier):
    login(client, graduated_earlier, "pendamping_kota")
    url = follow_up_url(graduated_earlier.kpm_own)
    response = client.post(url, form_data(done_on=(TODAY - timedelta(days=400)).isoformat()))
    assert "tidak boleh sebelum tanggal graduasi" in response.content.decode()
    assert not FollowUp.objects.filter(done_on__isnull=False).exists()


def test_a_done_follow_up_opens_with_its_values_and_cannot_be_undone(client, graduated_earlier):
    login(client, graduated_earlier, "pendamping_kota")
    url = follow_up_url(graduated_earlier.kpm_own)
    client.post(url, form_data())
    html = page(client, url)
    assert 'value="1500000"' in html and "Perbaikan disimpan" in html

    response = client.post(url, form_data(done_on="", monthly_income=""))

    assert response.status_code == 200
    six = FollowUp.objects.get(kpm=graduated_earlier.kpm_own, months_after=6)
    assert (six.done_on, six.monthly_income) == (TODAY - timedelta(days=1), 1_500_000)


@pytest.mark.parametrize("persona", ["pendamping_kota_other", "pendamping_kab", "dinsos_kab"])
def test_the_follow_up_of_someone_elses_kpm_is_404(client, graduated_earlier, persona):
    login(client, graduated_earlier, persona)
    url = follow_up_url(graduated_earlier.kpm_own)
    assert client.get(url).status_code == 404
    assert client.post(url, form_data()).status_code == 404


@pytest.mark.parametrize("persona", ["kementerian_national", "agency", "admin"])
def test_roles_that_do_not_visit_may_not_record_a_follow_up(client, graduated_earlier, persona):
    login(client, graduated_earlier, persona)
    assert client.post(follow_up_url(graduated_earlier.kpm_own), form_data()).status_code == 403


def test_a_dinsos_officer_of_the_kabupaten_records_a_follow_up(client, graduated_earlier):
    login(client, graduated_earlier, "dinsos_kota")
    assert client.post(follow_up_url(graduated_earlier.kpm_own), form_data()).status_code == 302


# Referral changes ---------------------------------------------------------------------------


def referral(kpm: Kpm, code: str = "ppse") -> Referral:
    return Referral.objects.get(kpm=kpm, programme__code=code)


def status_url(kpm: Kpm, code: str = "ppse") -> str:
    return reverse("pemberdayaan:referral_status", args=[referral(kpm, code).pk])


def test_the_officer_moves_a_referral_and_returns_to_the_page(client, graduated):
    login(client, graduated, "dinsos_kota")
    back = profile_url(graduated.kpm_own)

    response = client.post(status_url(graduated.kpm_own), {"to": "diterima", "next": back})

    assert (response.status_code, response["Location"]) == (302, back)
    assert referral(graduated.kpm_own).status == ReferralStatus.ACCEPTED
    html = client.get(back).content.decode()
    assert "kini diterima" in html


def test_a_refused_jump_is_told_and_changes_nothing(client, graduated):
    login(client, graduated, "dinsos_kota")
    response = client.post(status_url(graduated.kpm_own), {"to": "selesai"}, follow=True)
    assert "tidak dapat langsung menjadi selesai" in response.content.decode()
    assert referral(graduated.kpm_own).status == ReferralStatus.REFERRED


def test_a_return_address_off_the_site_is_ignored(client, graduated):
    login(client, graduated, "dinsos_kota")
    response = client.post(
        status_url(graduated.kpm_own), {"to": "diterima", "next": "https://contoh.example/"}
    )
    assert response["Location"] == REFERRALS


def test_another_kabupatens_referral_is_404(client, graduated):
    login(client, graduated, "dinsos_kab")
    assert client.post(status_url(graduated.kpm_own), {"to": "diterima"}).status_code == 404
    assert referral(graduated.kpm_own).status == ReferralStatus.REFERRED


@pytest.mark.parametrize("persona", ["kementerian_national", "pendamping_kota", "admin"])
def test_only_dinsos_changes_a_referral_status(client, graduated, persona):
    login(client, graduated, persona)
    assert client.post(status_url(graduated.kpm_own), {"to": "diterima"}).status_code == 403


def test_the_officer_adds_a_referral_with_the_consent_date(client, graduated):
    login(client, graduated, "dinsos_kota")
    url = reverse("pemberdayaan:referral_add", args=["KDR-OWN"])
    html = page(client, url)
    assert "KUR (Kredit Usaha Rakyat)" in html
    assert "PNM Mekaar" not in html  # already referred

    kur = Programme.objects.get(code="kur")
    data = {"programme": kur.pk, "consent_on": TODAY.strftime("%d-%m-%Y")}
    response = client.post(url, data)

    assert response.status_code == 302
    added = referral(graduated.kpm_own, "kur")
    assert (added.consent_on, added.consent_by) == (TODAY, graduated.dinsos_kota)


def test_a_future_consent_date_is_refused_on_the_form(client, graduated):
    login(client, graduated, "dinsos_kota")
    url = reverse("pemberdayaan:referral_add", args=["KDR-OWN"])
    kur = Programme.objects.get(code="kur")
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(url, {"programme": kur.pk, "consent_on": tomorrow})
    assert response.status_code == 200
    assert "Tanggal tidak boleh sesudah hari ini." in response.content.decode()
    assert not Referral.objects.filter(programme=kur).exists()


def test_adding_a_referral_in_another_kabupaten_is_404(client, graduated):
    login(client, graduated, "dinsos_kab")
    url = reverse("pemberdayaan:referral_add", args=["KDR-OWN"])
    assert client.get(url).status_code == 404


# The referral list --------------------------------------------------------------------------


def more_graduated(world: World, count: int, start: int, *, desa: str = DESA_KOTA_KEDIRI_2):
    """`count` more graduated KPM, each referred to PPSE and KUR and at risk."""
    for n in range(start, start + count):
        kpm = KpmFactory.create(
            kpm_id=f"GRD-{n:03d}", desa_code=desa, pendamping=world.pendamping_kota_other
        )
        AnggotaFactory.create(kpm=kpm, pengurus=True)
        graduate(kpm, date(2026, 6, 1), actor=world.dinsos_kota, codes=("ppse", "kur"))
        kpm.desil_history.create(desil=n % 2 + 1, recorded_on=date(2026, 9, 1), source="import")
    risk_refresh()


def test_the_list_counts_referrals_per_status_and_filters_them(client, graduated):
    Referral.objects.filter(kpm=graduated.kpm_own, programme__code="ppse").update(
        status=ReferralStatus.ONGOING
    )
    login(client, graduated, "dinsos_kota")

    html = page(client, REFERRALS)
    assert html.count('data-testid="referral-row"') == 2
    assert 'data-testid="count-berjalan"><span class="big">1</span>' in html
    assert 'data-testid="count-dirujuk"' in html and 'data-testid="count-selesai"' in html
    assert html.count('data-testid="referral-status-form"') == 2

    only = page(client, REFERRALS, status="berjalan")
    assert only.count('data-testid="referral-row"') == 1 and "PPSE" in only
    mekaar = Programme.objects.get(code="pnm-mekaar")
    by_programme = page(client, REFERRALS, program=str(mekaar.pk))
    assert by_programme.count('data-testid="referral-row"') == 1
    assert 'data-testid="count-berjalan"><span class="big">0</span>' in by_programme


def test_the_list_shows_only_the_officers_kabupaten(client, graduated):
    graduate(
        graduated.kpm_other_district, date(2026, 6, 1), actor=graduated.dinsos_kab, codes=("kur",)
    )
    login(client, graduated, "dinsos_kab")
    html = page(client, REFERRALS)
    assert "KAB-OTHER" in html and "KDR-OWN" not in html


def test_the_ministry_reads_the_list_without_changing_it(client, graduated):
    login(client, graduated, "kementerian_jatim")
    html = page(client, REFERRALS)
    assert "KDR-OWN" in html and 'data-testid="referral-status-form"' not in html
    login(client, graduated, "kementerian_jabar")
    assert "KDR-OWN" not in page(client, REFERRALS)


@pytest.mark.parametrize("persona", ["pendamping_kota", "agency"])
def test_the_lists_are_not_for_pendamping_or_agencies(client, world, persona):
    login(client, world, persona)
    assert client.get(REFERRALS).status_code == 403
    assert client.get(AT_RISK).status_code == 403


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [REFERRALS, AT_RISK])
def test_the_lists_cost_the_same_queries_for_more_rows(client, world, url):
    more_graduated(world, 3, 0)
    login(client, world, "dinsos_kota")
    few = queries(client, url)
    more_graduated(world, 20, 3)
    assert queries(client, url) == few
    assert few <= 12
    html = page(client, url)
    assert html.count('-row"') >= 23  # a full page of referrals, every family at risk


# The at-risk list ---------------------------------------------------------------------------


def test_the_at_risk_list_shows_reasons_graduation_pendamping_and_kecamatan(client, graduated):
    at_risk(graduated.kpm_own, desil_on=date(2027, 2, 1))
    login(client, graduated, "dinsos_kota")
    html = page(client, AT_RISK)
    assert html.count('data-testid="at-risk-row"') == 1
    assert "KDR-OWN" in html and "Ibu KDR-OWN" in html
    assert "05-11-2026" in html and "Graduasi mandiri" in html
    assert "Pendamping_Kota" in html
    assert "Mojoroto" in html
    assert "Desil DTSEN 1 tercatat 1 Februari 2027" in html


def test_the_at_risk_list_filters_by_kecamatan_and_reason(client, graduated):
    at_risk(graduated.kpm_own)
    more_graduated(graduated, 2, 0)  # in kecamatan 35.71.03, both with a low desil
    graduate(graduated.kpm_other_district, date(2026, 6, 1), actor=graduated.dinsos_kab)
    at_risk(graduated.kpm_other_district)
    login(client, graduated, "dinsos_kota")

    assert page(client, AT_RISK).count('data-testid="at-risk-row"') == 3
    mojoroto = page(client, AT_RISK, wilayah="35.71.01")
    assert mojoroto.count('data-testid="at-risk-row"') == 1 and "KDR-OWN" in mojoroto
    assert page(client, AT_RISK, alasan="income_below_line").count('data-testid="at-risk-row"') == 0
    assert page(client, AT_RISK, alasan="desil_low").count('data-testid="at-risk-row"') == 3


def test_the_ministry_sees_the_at_risk_families_of_its_scope(client, graduated):
    at_risk(graduated.kpm_own)
    graduate(graduated.kpm_other_district, date(2026, 6, 1), actor=graduated.dinsos_kab)
    at_risk(graduated.kpm_other_district)
    login(client, graduated, "kementerian_national")
    html = page(client, AT_RISK)
    assert "KDR-OWN" in html and "KAB-OTHER" in html
    only = page(client, AT_RISK, wilayah="35.06")
    assert "KAB-OTHER" in only and "KDR-OWN" not in only
    assert "Tulis kode seperti" in page(client, AT_RISK, wilayah="Kediri")
    login(client, graduated, "kementerian_jabar")
    assert 'data-testid="at-risk-row"' not in page(client, AT_RISK)


def test_another_kabupatens_families_are_not_listed(client, graduated):
    at_risk(graduated.kpm_own)
    login(client, graduated, "dinsos_kab")
    assert "KDR-OWN" not in page(client, AT_RISK)


# The Beranda and the menu -------------------------------------------------------------------


def test_a_follow_up_of_a_kpm_graduated_today_is_on_the_beranda_at_once(client, world):
    graduate(world.kpm_own, TODAY, actor=world.dinsos_kota)
    login(client, world, "pendamping_kota")
    html = page(client, HOME)
    assert 'data-testid="follow-ups"' in html
    assert html.count('data-testid="follow-up"') == 2
    assert "KDR-OWN" in html and "Ibu KDR-OWN" in html and "6 bulan" in html
    six = FollowUp.objects.get(kpm=world.kpm_own, months_after=6)
    assert six.due_on.strftime("%d-%m-%Y") in html
    assert reverse("pemberdayaan:follow_up", args=[six.pk]) in html
    assert "terlambat" not in html


def test_an_overdue_follow_up_is_highlighted_and_a_done_one_gone(client, world):
    _, (six, twelve) = graduate(world.kpm_own, TODAY - timedelta(days=200), actor=world.dinsos_kota)
    FollowUp.objects.filter(pk=twelve.pk).update(
        done_on=TODAY, monthly_income=2_000_000, member_count=2, business_status="berjalan"
    )
    login(client, world, "pendamping_kota")
    html = page(client, HOME)
    assert html.count('data-testid="follow-up"') == 1
    assert reverse("pemberdayaan:follow_up", args=[six.pk]) in html
    assert "terlambat" in html


def test_the_beranda_lists_at_most_10_follow_ups_earliest_due_first(client, world):
    for n in range(7):
        kpm = KpmFactory.create(kpm_id=f"FU-{n}", pendamping=world.pendamping_kota)
        graduate(kpm, TODAY - timedelta(days=n), actor=world.dinsos_kota)
    login(client, world, "pendamping_kota")
    html = page(client, HOME)
    assert html.count('data-testid="follow-up"') == 10
    assert html.index("FU-6") < html.index("FU-0")


def test_another_pendamping_does_not_see_the_follow_ups(client, world):
    graduate(world.kpm_own, TODAY, actor=world.dinsos_kota)
    login(client, world, "pendamping_kota_other")
    assert 'data-testid="follow-ups"' not in page(client, HOME)


def test_dinsos_sees_the_at_risk_count_on_the_beranda(client, graduated):
    at_risk(graduated.kpm_own)
    login(client, graduated, "dinsos_kota")
    html = page(client, HOME)
    assert f'<a href="{AT_RISK}" data-testid="risk-count"><span class="big">1</span>' in html
    login(client, graduated, "dinsos_kab")
    assert 'data-testid="risk-count"><span class="big">0</span>' in page(client, HOME)


@pytest.mark.parametrize(
    ("persona", "berisiko", "rujukan"),
    [
        ("dinsos_kota", True, True),
        ("kementerian_national", True, False),
        ("admin", True, False),
        ("pendamping_kota", False, False),
        ("agency", False, False),
    ],
)
def test_the_menu_links_the_lists_for_those_who_use_them(client, world, persona, berisiko, rujukan):
    login(client, world, persona)
    html = page(client, HOME)
    assert (f'href="{AT_RISK}"' in html) is berisiko
    assert (f'<a href="{REFERRALS}">Rujukan</a>' in html) is rujukan


# The admin catalogue ------------------------------------------------------------------------


@pytest.fixture
def ministry_staff(world: World) -> World:
    for user in (world.kementerian_national, world.kementerian_jatim):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return world


def test_national_ministry_staff_edit_the_catalogue_and_it_is_audited(client, ministry_staff):
    client.force_login(ministry_staff.kementerian_national)
    kur = Programme.objects.get(code="kur")
    url = reverse("admin:pemberdayaan_programme_change", args=[kur.pk])
    data = change_form_data(client.get(url))
    data["active"] = ""

    response = client.post(url, data)

    assert response.status_code == 302
    kur.refresh_from_db()
    assert kur.active is False
    [event] = AuditEvent.objects.filter(object_type="pemberdayaan.programme", object_id=kur.pk)
    assert (event.action, event.actor) == (AuditAction.UPDATE, ministry_staff.kementerian_national)
    assert event.changes == {"active": [True, False]}


def test_national_ministry_staff_add_a_programme(client, ministry_staff):
    client.force_login(ministry_staff.kementerian_national)
    url = reverse("admin:pemberdayaan_programme_add")
    data = change_form_data(client.get(url))
    data.update(
        {
            "code": "bumdes",
            "name": "BUMDes",
            "agency": "Kemendes",
            "kind": "program",
            "position": "90",
        }
    )
    assert client.post(url, data).status_code == 302
    assert Programme.objects.get(code="bumdes").active is True


def test_provincial_ministry_staff_only_read_the_catalogue(client, ministry_staff):
    client.force_login(ministry_staff.kementerian_jatim)
    kur = Programme.objects.get(code="kur")
    assert client.get(reverse("admin:pemberdayaan_programme_changelist")).status_code == 200
    assert client.get(reverse("admin:pemberdayaan_programme_add")).status_code == 403
    url = reverse("admin:pemberdayaan_programme_change", args=[kur.pk])
    assert client.post(url, {"name": "Diubah"}).status_code == 403


def test_referrals_and_follow_ups_are_read_only_in_the_admin(client, graduated):
    client.force_login(graduated.admin)
    for model in ("referral", "followup"):
        assert client.get(reverse(f"admin:pemberdayaan_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:pemberdayaan_{model}_add")).status_code == 403
    row = referral(graduated.kpm_own)
    change = reverse("admin:pemberdayaan_referral_change", args=[row.pk])
    assert client.post(change, {"status": "selesai"}).status_code == 403
    assert referral(graduated.kpm_own).status == ReferralStatus.REFERRED


def test_ministry_staff_see_no_referrals_in_the_admin(client, ministry_staff):
    client.force_login(ministry_staff.kementerian_national)
    assert client.get(reverse("admin:pemberdayaan_referral_changelist")).status_code == 403
