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
