"""A persona signs in through the real form on a phone-sized screen; nothing leaves the host."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser import outside, record_requests, scroll_width
from tests.conftest import live_db

PASSWORD = "rahasia-uji-123"  # tests.conftest.make_user
PHONE = ViewportSize(width=360, height=740)


@pytest.mark.browser
@live_db
def test_pendamping_signs_in_and_sees_beranda_on_a_phone(page: Page, live_server, world):
    urls = record_requests(page)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/masuk/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("h1")).to_have_text("Masuk")
    assert scroll_width(page) <= PHONE["width"]

    page.get_by_label("Nama pengguna").fill("pendamping_kota")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    expect(page.locator("h1")).to_have_text("Beranda")
    expect(page.get_by_test_id("kpm-count")).to_have_text("2")
    assert page.url.rstrip("/") == live_server.url
    assert scroll_width(page) <= PHONE["width"]

    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("status")).to_contain_text("Anda telah keluar")
    expect(page.locator("h1")).to_have_text("Masuk")
    assert scroll_width(page) <= PHONE["width"]
    assert outside(urls) == []


@pytest.mark.browser
@live_db
def test_wrong_password_shows_the_indonesian_message(page: Page, live_server, world):
    urls = record_requests(page)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("Nama pengguna").fill("pendamping_kota")
    page.get_by_label("Kata sandi").fill("bukan-sandinya")
    page.get_by_role("button", name="Masuk").click()

    expect(page.get_by_role("alert")).to_contain_text("Nama pengguna atau kata sandi salah")
    assert scroll_width(page) <= PHONE["width"]
    assert outside(urls) == []


def _typed_key_code(secret: str) -> str:
    """What an authenticator app shows after the key on the enrolment page is typed in."""
    import base64
    import time

    from django_otp.oath import TOTP

    raw = secret.replace(" ", "")
    clock = TOTP(base64.b32decode(raw + "=" * (-len(raw) % 8)))
    clock.time = time.time()
    return f"{clock.token():06d}"


@pytest.mark.browser
@live_db
def test_dinsos_enrols_an_authenticator_app_on_a_phone_and_lands_on_beranda(
    page: Page, live_server, world
):
    urls = record_requests(page)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("Nama pengguna").fill("dinsos_kota")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    expect(page.locator("h1")).to_have_text("Aktifkan verifikasi dua langkah")
    qr = page.get_by_test_id("otp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # drawn, CSP allowed it
    assert scroll_width(page) <= PHONE["width"]
    secret = page.get_by_test_id("otp-secret").inner_text()

    wrong = f"{(int(_typed_key_code(secret)) + 500_000) % 1_000_000:06d}"
    page.get_by_label("Kode 6 angka").fill(wrong)
    page.get_by_role("button", name="Aktifkan dan masuk").click()
    expect(page.get_by_role("alert")).to_contain_text("Kode salah atau sudah kedaluwarsa")
    page.wait_for_timeout(1100)  # one wrong code: the next try waits a second

    page.get_by_label("Kode 6 angka").fill(_typed_key_code(secret))
    page.get_by_role("button", name="Aktifkan dan masuk").click()

    expect(page.locator("h1")).to_have_text("Beranda")
    expect(page.get_by_test_id("kpm-count")).to_have_text("3")
    assert scroll_width(page) <= PHONE["width"]
    assert outside(urls) == []


@pytest.mark.browser
@live_db
def test_an_enrolled_officer_gives_the_code_and_goes_where_they_were_going(
    page: Page, live_server, world
):
    from tests.pengguna.otp import code_now, give_device

    device = give_device(world.kementerian_national)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/kpm/")
    page.get_by_label("Nama pengguna").fill("kemensos_pusat")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    expect(page.locator("h1")).to_have_text("Verifikasi dua langkah")
    assert scroll_width(page) <= PHONE["width"]
    page.get_by_label("Kode 6 angka").fill(code_now(device))
    page.get_by_role("button", name="Verifikasi").click()

    assert page.url == f"{live_server.url}/kpm/"


@pytest.mark.browser
@live_db
def test_five_wrong_passwords_show_the_lockout_in_indonesian(page: Page, live_server, world):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/masuk/")
    for i in range(5):
        page.get_by_label("Nama pengguna").fill("pendamping_kota")
        page.get_by_label("Kata sandi").fill(f"bukan-sandinya-{i}")
        page.get_by_role("button", name="Masuk").click()

    expect(page.get_by_test_id("lockout")).to_contain_text(
        "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam 15 menit, atau hubungi admin."
    )
    assert scroll_width(page) <= PHONE["width"]
