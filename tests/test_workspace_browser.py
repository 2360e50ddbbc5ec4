"""The facilitator workspace end to end in Debian's Chromium against a live server.

A pendamping signs in, finds a KPM by part of a member's name, logs a visit with an economic
assessment, records this month's commitments, plans and holds a P2K2 meeting, and finds all of
it on the profile. Another pendamping gets 404 on that profile; a Dinsos officer moves two KPM
and their new pendamping sees them. The run keeps phone (360 px) and desktop (1280 px)
screenshots of the main pages under docs/screenshots/, and no request leaves this machine.
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import formats, timezone, translation
from playwright.sync_api import Page, ViewportSize, expect

from kpm.models import Anggota, Relationship, SchoolLevel, Sex
from pendamping.models import P2k2Attendance
from tests.browser import outside, record_requests, scroll_width
from tests.conftest import DESA_KOTA_KEDIRI, SEED_MIGRATIONS, live_db
from tests.factories import AnggotaFactory, KpmFactory

PASSWORD = "rahasia-uji-123"  # tests.conftest.make_user
PHONE = ViewportSize(width=360, height=740)
DESKTOP = ViewportSize(width=1280, height=800)
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

PENGURUS = "Sri Wahyuningsih"
HUSBAND = "Bambang Wibowo"
PUPIL = "Rizky Wibowo"
TODDLER = "Nur Aisyah"
NOTES = "Rizky kembali rajin sekolah; ibu mulai berjualan kue di depan rumah."
HEALTH_MODULE = "Kesehatan dan Gizi"
FIRST_HEALTH_SESSION = "1. Pentingnya gizi dan layanan ibu hamil"

pytestmark = [pytest.mark.browser, live_db]


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _seeded_rows(transactional_db):
    """The P2K2 curriculum and the default policy that data migrations seed; an earlier
    live-server test's flush may have emptied them (the seeds are idempotent). The region
    rows are not emptied (tests/conftest.py LIVE_APPS)."""
    for module in SEED_MIGRATIONS:
        if not module.startswith("wilayah."):
            importlib.import_module(module).seed(apps, None)


@pytest.fixture
def requests_seen(page: Page) -> list[str]:
    return record_requests(page)


def snap(page: Page, name: str) -> None:
    """Full-page screenshots at phone and desktop width; on the phone nothing scrolls sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)
    assert scroll_width(page) <= PHONE["width"], f"{name} scrolls sideways at 360 px"
    page.screenshot(path=SHOTS / f"{name}-360.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=SHOTS / f"{name}-1280.png", full_page=True)
    page.set_viewport_size(PHONE)


def sign_in(page: Page, live_server, username: str) -> None:
    """Through the form; Dinsos, kementerian and admin then give their authenticator code."""
    from tests.pengguna.otp import code_now, device_for_sign_in

    device = device_for_sign_in(username)
    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    if device is not None:
        expect(page.locator("h1")).to_have_text("Verifikasi dua langkah")
        page.get_by_label("Kode 6 angka").fill(code_now(device))
        page.get_by_role("button", name="Verifikasi").click()
    expect(page.locator("h1")).to_have_text("Beranda")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("status")).to_contain_text("Anda telah keluar")


def table_row(page: Page, section: str, text: str):
    """The row with this text in the table of the profile card headed `section`."""
    card = page.locator("section.card").filter(has=page.get_by_role("heading", name=section))
    return card.locator("tbody tr").filter(has_text=text)


def household(world) -> None:
    """kpm_own's family: the pengurus, her husband, an SD pupil born 2016 and a toddler."""
    kpm = world.kpm_own
    Anggota.objects.filter(kpm=kpm, is_pengurus=True).update(nama=PENGURUS)
    AnggotaFactory(
        kpm=kpm,
        nama=HUSBAND,
        hubungan=Relationship.HUSBAND,
        jenis_kelamin=Sex.MALE,
        tanggal_lahir=date(1975, 4, 2),
    )
    AnggotaFactory(
        kpm=kpm,
        nama=PUPIL,
        hubungan=Relationship.CHILD,
        jenis_kelamin=Sex.MALE,
        tanggal_lahir=date(2016, 3, 14),
        jenjang_sekolah=SchoolLevel.SD,
    )
    AnggotaFactory(
        kpm=kpm,
        nama=TODDLER,
        hubungan=Relationship.CHILD,
        jenis_kelamin=Sex.FEMALE,
        tanggal_lahir=date(2023, 5, 2),
    )


def neighbour(pendamping, kpm_id: str, pengurus: str):
    """Another active KPM of this pendamping in kpm_own's desa."""
    kpm = KpmFactory(kpm_id=kpm_id, pendamping=pendamping, desa_code=DESA_KOTA_KEDIRI)
    AnggotaFactory(kpm=kpm, pengurus=True, nama=pengurus, tanggal_lahir=date(1985, 1, 9))
    return kpm


# --- a pendamping's day, with the screenshots ---------------------------------------------


def test_pendamping_visit_commitments_and_p2k2_show_on_the_profile(
    page: Page, live_server, world, requests_seen
):
    household(world)
    neighbour(world.pendamping_kota, "KDR-002", "Siti Aminah")
    neighbour(world.pendamping_kota, "KDR-003", "Dewi Lestari")
    today = timezone.localdate()
    page.set_viewport_size(PHONE)

    # Beranda after signing in through the real form.
    sign_in(page, live_server, "pendamping_kota")
    expect(page.get_by_test_id("kpm-count")).to_have_text("4")
    expect(page.get_by_test_id("target-progress")).to_have_text("0 dari 10 graduasi (0%)")
    snap(page, "beranda")

    # The caseload: part of the husband's name, in lower case, finds the one KPM.
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Daftar KPM").click()
    expect(page.locator("h1")).to_have_text("Daftar KPM")
    expect(page.get_by_test_id("caseload-total")).to_have_text("4 KPM")
    page.wait_for_load_state("load")  # htmx attached before typing
    search = page.get_by_label("Cari")
    search.press_sequentially("wibow")
    # htmx filters after a pause in typing; Enter submits the same form without waiting, so
    # the step is deterministic whether or not the typed-input request has gone out yet.
    search.press("Enter")
    expect(page.get_by_test_id("caseload-total")).to_have_text("1 KPM")
    results = page.locator("#hasil tbody tr")
    expect(results).to_have_count(1)
    expect(results).to_contain_text(PENGURUS)
    assert "q=wibow" in page.url
    snap(page, "caseload")
    results.get_by_role("link", name="KDR-OWN").click()
    expect(page.locator("h1")).to_have_text("KPM KDR-OWN")

    # A home visit with an economic assessment.
    page.get_by_test_id("profile-actions").get_by_role("link", name="Catat kunjungan").click()
    expect(page.locator("h1")).to_have_text("Catat kunjungan rumah")
    page.get_by_label("Tanggal kunjungan").fill(today.isoformat())
    page.get_by_label("Pendampingan usaha").check()
    page.get_by_label("Verifikasi komitmen").check()
    page.get_by_label("Catatan").fill(NOTES)
    page.get_by_text("Asesmen ekonomi (pilihan)").click()
    page.get_by_label("Pendapatan rumah tangga per bulan (Rp)").fill("2.000.000")
    page.get_by_label("Jumlah anggota rumah tangga").fill("4")
    page.get_by_role("radio", name="Ya", exact=True).check()
    page.get_by_label("Status usaha").select_option(index=1)
    snap(page, "visit-form")
    page.get_by_role("button", name="Simpan kunjungan").click()
    expect(page.locator("h1")).to_have_text("KPM KDR-OWN")
    expect(page.get_by_role("status")).to_be_visible()

    # This month's commitments: school attendance for the pupil, a check-up for the toddler.
    page.get_by_test_id("profile-actions").get_by_role("link", name="Catat komitmen").click()
    expect(page.locator("h1")).to_have_text("Verifikasi komitmen")
    page.get_by_label(f"{PUPIL}: Kehadiran sekolah (%)").fill("92")
    checkup = page.locator("fieldset").filter(has_text=f"{TODDLER}: Pemeriksaan kesehatan")
    checkup.get_by_role("radio", name="Sudah diperiksa").check()
    page.get_by_role("button", name="Simpan verifikasi").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_label(f"{PUPIL}: Kehadiran sekolah (%)")).to_have_value("92")

    # A P2K2 group of the three KPM of this desa, a meeting from the catalogue, the roll-call.
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="P2K2").click()
    page.get_by_role("link", name="Buat kelompok baru").click()
    page.get_by_label("Nama kelompok").fill("Kelompok Melati")
    members = page.locator("#members")
    for kpm_id in ("KDR-OWN", "KDR-002", "KDR-003"):
        members.get_by_label(kpm_id).check()
    page.get_by_role("button", name="Buat kelompok").click()
    expect(page.locator("h1")).to_have_text("Kelompok Melati")
    page.get_by_role("link", name="Rencanakan pertemuan").click()
    page.get_by_label("Modul dan sesi").select_option(label=FIRST_HEALTH_SESSION)
    page.get_by_label("Tanggal pertemuan").fill(today.isoformat())
    page.get_by_role("button", name="Simpan rencana").click()
    expect(page.locator("h1")).to_have_text("Pertemuan P2K2")
    page.get_by_label("Tanggal pelaksanaan").fill(today.isoformat())
    for kpm_id, status in (("KDR-OWN", "Hadir"), ("KDR-002", "Izin"), ("KDR-003", "Tidak hadir")):
        person = page.locator("fieldset").filter(has=page.locator("legend", has_text=kpm_id))
        person.get_by_role("radio", name=status, exact=True).check()
    snap(page, "roll-call")
    page.get_by_role("button", name="Simpan kehadiran").click()
    expect(page.get_by_role("status")).to_contain_text("Kehadiran disimpan")
    expect(page.locator("h1")).to_have_text("Kelompok Melati")
    assert dict(P2k2Attendance.objects.values_list("kpm__kpm_id", "status")) == {
        "KDR-OWN": "hadir",
        "KDR-002": "izin",
        "KDR-003": "tidak_hadir",
    }

    # The profile shows all of it.
    page.goto(f"{live_server.url}/kpm/KDR-OWN/")
    visits = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Riwayat kunjungan")
    )
    expect(visits).to_contain_text(NOTES)
    expect(visits).to_contain_text("Pendampingan usaha")
    expect(visits).to_contain_text("Pendapatan per anggota: Rp500.000 per bulan")
    assessment = table_row(page, "Asesmen ekonomi", today.strftime("%d-%m-%Y"))
    expect(assessment).to_contain_text("Rp2.000.000")
    expect(assessment).to_contain_text("Rp500.000")
    commitments = "Verifikasi komitmen (6 bulan terakhir)"
    with translation.override("id"):
        this_month = formats.date_format(today, "M y")
    card = page.locator("section.card").filter(has=page.get_by_role("heading", name=commitments))
    expect(card.locator("thead th").last).to_have_text(this_month)
    for name in (PUPIL, TODDLER):
        expect(table_row(page, commitments, name).locator("td").last).to_have_text("Ya")
    p2k2 = table_row(page, "Kehadiran P2K2 per modul", HEALTH_MODULE)
    expect(p2k2.locator("td")).to_have_text([HEALTH_MODULE, "1 / 4", "0", "0"])
    # The visit's assessment re-assessed the KPM once it was saved: in PKH since 2020.
    graduation = page.get_by_test_id("graduation")
    expect(graduation.get_by_role("heading", name="Status graduasi")).to_be_visible()
    expect(page.get_by_test_id("graduation-status")).to_have_text("Perlu ditinjau")
    expect(graduation.locator("li.holds")).to_have_text(
        "✓Terpenuhi: Sudah 5 tahun di PKH sejak 1 Januari 2020 (tercapai 1 Januari 2025)"
    )
    expect(page.get_by_test_id("readiness-compliance")).to_contain_text("100%")
    snap(page, "profile")

    assert outside(requests_seen) == []


# --- another pendamping's KPM is not found ------------------------------------------------


@pytest.mark.parametrize("username", ["pendamping_kab", "pendamping_kota_lain"])
def test_a_pendamping_of_another_caseload_gets_404_on_the_profile(
    page: Page, live_server, world, requests_seen, username
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, username)
    response = page.goto(f"{live_server.url}/kpm/KDR-OWN/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_text(PENGURUS)).to_have_count(0)
    response = page.goto(f"{live_server.url}/kunjungan/KDR-OWN/baru/")
    assert response is not None
    assert response.status == 404
    assert outside(requests_seen) == []


# --- Dinsos moves two KPM; their new pendamping sees them ----------------------------------


def test_dinsos_reassigns_two_kpm_and_the_new_pendamping_sees_them(
    page: Page, live_server, world, requests_seen
):
    neighbour(world.pendamping_kota, "KDR-PINDAH-1", "Siti Aminah")
    neighbour(world.pendamping_kota, "KDR-PINDAH-2", "Dewi Lestari")
    page.set_viewport_size(DESKTOP)

    sign_in(page, live_server, "dinsos_kota")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Daftar KPM").click()
    expect(page.locator("h1")).to_have_text("Daftar KPM")
    page.get_by_label("Pilih KPM KDR-PINDAH-1").check()
    page.get_by_label("Pilih KPM KDR-PINDAH-2").check()
    page.get_by_label("Pindahkan KPM yang dicentang ke pendamping").select_option(
        label="Pendamping_Kota_Lain (pendamping_kota_lain)"
    )
    page.get_by_role("button", name="Pindahkan").click()
    expect(page.get_by_role("status")).to_contain_text("2 KPM dipindahkan ke Pendamping_Kota_Lain")
    for kpm_id in ("KDR-PINDAH-1", "KDR-PINDAH-2"):
        row = page.locator("#hasil tbody tr").filter(has=page.get_by_role("link", name=kpm_id))
        expect(row).to_contain_text("Pendamping_Kota_Lain")
    sign_out(page)

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "pendamping_kota_lain")
    expect(page.get_by_test_id("kpm-count")).to_have_text("3")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Daftar KPM").click()
    links = page.locator("#hasil tbody tr td:nth-child(1) a")
    expect(links).to_have_text(["KDR-PINDAH-1", "KDR-PINDAH-2", "KDR-SAME"])
    assert scroll_width(page) <= PHONE["width"]
    sign_out(page)

    sign_in(page, live_server, "pendamping_kota")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Daftar KPM").click()
    expect(page.get_by_role("link", name="KDR-OWN")).to_be_visible()
    expect(page.get_by_role("link", name="KDR-PINDAH-1")).to_have_count(0)
    assert outside(requests_seen) == []
