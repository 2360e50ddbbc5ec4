"""The visit form: who may open and post it, what a saved visit shows, what a refused one keeps."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import ViewportSize, expect

from kpm.views.household import kpm_profile_url
from pendamping.models import EconomicAssessment, Visit
from tests.conftest import live_db
from tests.pendamping.test_visits import JPEG, PDF

PASSWORD = "rahasia-uji-123"  # tests.conftest.make_user
PHONE = ViewportSize(width=360, height=740)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(kpm) -> str:
    return reverse("kunjungan:create", args=[kpm.kpm_id])


def user_of(world, persona: str):
    person = getattr(world, persona)
    return getattr(person, "user", person)


def form_data(**overrides) -> dict:
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "purposes": ["verifikasi_komitmen", "pendampingan_usaha"],
        "notes": "Usaha warung berjalan.",
        "idempotency_key": str(uuid.uuid4()),
    }
    return {**data, **overrides}


PERSONAS = [
    ("pendamping_kota", "kpm_own", 200),
    ("pendamping_kota_other", "kpm_own", 404),
    ("pendamping_kab", "kpm_own", 404),
    ("dinsos_kota", "kpm_own", 200),
    ("dinsos_kab", "kpm_own", 404),
    ("kementerian_national", "kpm_own", 403),
    ("kementerian_jatim", "kpm_own", 403),
    ("kementerian_jabar", "kpm_own", 404),
    ("agency", "kpm_own", 404),
    ("agency", "kpm_graduated", 403),
    ("admin", "kpm_own", 200),
]


@pytest.mark.parametrize(("persona", "kpm", "status"), PERSONAS)
def test_who_may_open_the_visit_form(client, world, persona, kpm, status):
    client.force_login(user_of(world, persona))

    response = client.get(url(getattr(world, kpm)))

    assert response.status_code == status


@pytest.mark.parametrize(("persona", "kpm", "status"), [p for p in PERSONAS if p[2] != 200])
def test_who_may_not_post_a_visit(client, world, persona, kpm, status):
    client.force_login(user_of(world, persona))

    response = client.post(url(getattr(world, kpm)), form_data())

    assert response.status_code == status
    assert not Visit.objects.exists()


def test_an_unknown_kpm_is_404(client, world):
    client.force_login(world.admin)

    assert client.get(reverse("kunjungan:create", args=["TIDAK-ADA"])).status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(url(world.kpm_own))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_form_carries_a_fresh_key_today_and_the_member_count(client, world):
    client.force_login(world.pendamping_kota.user)

    page = client.get(url(world.kpm_own)).content.decode()

    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page)
    assert key
    uuid.UUID(key[1])
    assert f'value="{timezone.localdate().isoformat()}"' in page
    assert re.search(r'name="member_count" value="1"', page)
    assert 'id="ambil-lokasi"' in page
    assert "js/visit-location.js" in page
    assert '<label for="id_notes">' in page


def test_a_saved_visit_returns_to_the_profile_with_the_income_per_member(client, world):
    client.force_login(world.pendamping_kota.user)
    data = form_data(
        household_income="Rp 1.500.000",
        member_count="3",
        stable_income="ya",
        business_status="berjalan",
        housing_condition="Semi permanen",
        latitude="-7.816895",
        longitude="112.011864",
        accuracy="12",
        photo=SimpleUploadedFile("rumah.jpg", JPEG),
    )

    response = client.post(url(world.kpm_own), data)

    assert response.status_code == 302
    assert response["Location"] == kpm_profile_url(world.kpm_own.kpm_id)
    visit = Visit.objects.get()
    assert visit.purposes == ["verifikasi_komitmen", "pendampingan_usaha"]
    assert visit.photo.name.endswith(".jpg")
    assessment = EconomicAssessment.objects.get()
    assert (assessment.household_income, assessment.member_count) == (1_500_000, 3)
    assert assessment.stable_income
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("Rp500.000 per bulan" in m for m in shown)


def test_an_empty_assessment_stores_none(client, world):
    client.force_login(world.dinsos_kota)

    client.post(url(world.kpm_own), form_data(member_count="1"))

    assert Visit.objects.get().created_by == world.dinsos_kota
    assert not EconomicAssessment.objects.exists()


def test_three_posts_with_the_same_key_store_one_visit(client, world):
    client.force_login(world.pendamping_kota.user)
    data = form_data()

    responses = [client.post(url(world.kpm_own), data) for _ in range(3)]

    assert [r.status_code for r in responses] == [302, 302, 302]
    assert Visit.objects.count() == 1


def _refused(client, world, **overrides):
    client.force_login(world.pendamping_kota.user)
    response = client.post(url(world.kpm_own), form_data(**overrides))
    assert response.status_code == 200
    assert not Visit.objects.exists()
    return response.content.decode()


def test_a_future_date_is_refused_and_the_typed_notes_stay(client, world):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    page = _refused(client, world, visited_on=tomorrow, notes="Catatan yang panjang diketik")

    assert "Tanggal tidak boleh sesudah hari ini." in page
    assert "Catatan yang panjang diketik" in page
    assert 'aria-invalid="true"' in page


def test_no_purpose_is_refused_next_to_the_field(client, world):
    page = _refused(client, world, purposes=[])

    assert re.search(r'id="id_purposes_error"[^>]*>Pilih paling sedikit satu tujuan', page)


def test_a_pdf_renamed_jpg_is_refused_and_the_photo_must_be_chosen_again(client, world):
    page = _refused(client, world, photo=SimpleUploadedFile("foto.jpg", PDF))

    assert "bukan foto JPG, PNG atau WebP" in page
    assert "pilih foto lagi" in page


def test_income_with_a_comma_is_refused_and_kept(client, world):
    page = _refused(client, world, household_income="1.500.000,50", stable_income="ya")

    assert "tanpa koma" in page
    assert 'value="1.500.000,50"' in page


def test_income_without_the_stable_answer_is_refused(client, world):
    page = _refused(client, world, household_income="900000")

    assert "Pilih apakah penghasilannya tetap." in page


def test_an_assessment_detail_without_income_is_refused(client, world):
    page = _refused(client, world, housing_condition="Permanen")

    assert "Isi pendapatan per bulan" in page


def test_a_broken_location_is_refused(client, world):
    page = _refused(client, world, latitude="abc", longitude="112")

    assert "Lokasi tidak terbaca" in page


def test_a_date_before_pkh_entry_is_refused(client, world):
    page = _refused(client, world, visited_on="2019-06-01")

    assert "sebelum KPM masuk PKH (01-01-2020)" in page


def test_the_form_page_reads_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.pendamping_kota.user)
    client.get(url(world.kpm_own))

    with django_assert_max_num_queries(6):
        assert client.get(url(world.kpm_own)).status_code == 200


@pytest.mark.browser
@live_db
def test_a_pendamping_takes_the_location_and_saves_a_visit_on_a_phone(page, live_server, world):
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": -7.816895, "longitude": 112.011864, "accuracy": 9})
    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("Nama pengguna").fill("pendamping_kota")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("h1")).to_have_text("Beranda")

    page.goto(live_server.url + url(world.kpm_own))
    page.get_by_label("Verifikasi komitmen").check()
    page.get_by_label("Catatan").fill("Dicatat di rumah KPM")
    page.get_by_role("button", name="Ambil lokasi").click()
    expect(page.locator("#lokasi-status")).to_contain_text("± 9 m")
    page.get_by_text("Asesmen ekonomi (pilihan)").click()
    page.get_by_label("Pendapatan rumah tangga per bulan (Rp)").fill("1.200.000")
    page.get_by_label("Ya", exact=True).check()
    assert int(page.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]
    page.get_by_role("button", name="Simpan kunjungan").click()

    expect(page.get_by_role("status")).to_contain_text("Pendapatan per anggota Rp1.200.000")
    visit = Visit.objects.get()
    assert (visit.latitude, visit.longitude) == (Decimal("-7.816895"), Decimal("112.011864"))
    assert visit.location_accuracy_m == 9
    assert visit.notes == "Dicatat di rumah KPM"
