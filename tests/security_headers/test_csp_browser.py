"""Under the site's Content-Security-Policy (script-src 'self', style-src 'self', nothing from
elsewhere) every main page of every role works in Debian's Chromium with no violation: the
browser reports none on its console and fires no `securitypolicyviolation` event, while the
pages' own scripts (htmx, Chart.js, the visit form, Swagger UI, the admin's) run."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import ConsoleMessage, Page, expect

from kpm.models import Anggota
from tests.browser import outside, record_requests, scroll_width
from tests.conftest import SEED_MIGRATIONS, live_db
from tests.test_dashboard_browser import expect_charts_drawn, richer
from tests.test_workspace_browser import PHONE, sign_in, sign_out

pytestmark = [pytest.mark.browser, live_db]

# Every document reports its violations on the console, where the page listener hears them.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.warn(`securitypolicyviolation ${e.violatedDirective} ${e.blockedURI} `
    + `${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(autouse=True)
def _seeded_rows(transactional_db):
    for module in SEED_MIGRATIONS:
        if not module.startswith("wilayah."):
            importlib.import_module(module).seed(apps, None)


@pytest.fixture
def violations(page: Page) -> list[str]:
    """CSP violations on any page from now on: console messages and violation events."""
    found: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "securitypolicyviolation" in text:
            found.append(f"{page.url}: {text}")

    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    return found


def visit(page: Page, live_server, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")


def test_the_pendamping_pages_run_under_the_policy(page: Page, live_server, world, violations):
    seen = record_requests(page)
    member = Anggota.objects.get(kpm=world.kpm_own)
    sign_in(page, live_server, "pendamping_kota")

    visit(page, live_server, "/kpm/")
    page.get_by_label("Cari").fill("KDR-OWN")  # htmx fetches and swaps the results
    expect(page.get_by_test_id("caseload-total")).to_have_text("1 KPM")
    page.get_by_role("link", name="KDR-OWN").click()
    expect(page.locator("h1")).to_contain_text("KDR-OWN")
    visit(page, live_server, "/kunjungan/KDR-OWN/baru/")
    expect(page.locator("form")).not_to_have_count(0)
    page.set_viewport_size(PHONE)  # the correction pages on a phone: nothing scrolls sideways
    visit(page, live_server, f"/koreksi/anggota/{member.pk}/")
    assert scroll_width(page) <= PHONE["width"]
    page.get_by_role("link", name="Koreksi tanggal lahir").click()
    expect(page.locator("h1")).to_have_text("Koreksi tanggal lahir")
    page.get_by_label("Data yang benar").fill("1978-08-17")
    page.get_by_label("Alasan dan bukti").fill("Akta kelahiran menulis 17 Agustus 1978.")
    page.get_by_role("button", name="Ajukan koreksi").click()
    expect(page.get_by_role("alert")).to_contain_text("ajukan koreksi NIK lebih dulu")
    visit(page, live_server, f"/koreksi/anggota/{member.pk}/nama/")
    page.get_by_label("Data yang benar").fill("Siti Aminah")
    page.get_by_label("Alasan dan bukti").fill("KTP menulis Siti Aminah.")
    page.get_by_role("button", name="Ajukan koreksi").click()
    expect(page.get_by_test_id("value-asked")).to_have_text("Siti Aminah")
    assert scroll_width(page) <= PHONE["width"]
    visit(page, live_server, "/koreksi/")
    assert scroll_width(page) <= PHONE["width"]
    visit(page, live_server, "/p2k2/")
    sign_out(page)

    assert violations == []
    assert outside(seen) == []


def test_dinsos_and_ministry_pages_run_under_the_policy(page: Page, live_server, world, violations):
    richer(world)
    seen = record_requests(page)
    sign_in(page, live_server, "dinsos_kota")

    visit(page, live_server, "/usulan/")
    expect(page.get_by_test_id("proposal-queue")).to_be_visible()
    page.get_by_role("link", name="Dasbor").click()
    expect_charts_drawn(page, 3)
    visit(page, live_server, "/dasbor/laporan/35.71/")
    visit(page, live_server, "/koreksi/")
    visit(page, live_server, "/kepesertaan/daftar-tunggu/")
    visit(page, live_server, "/kpm/impor/")
    visit(page, live_server, "/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("PKH Graduasi API")
    page.locator(".opblock-summary").first.click()  # Swagger UI opens an operation
    expect(page.locator(".opblock-body").first).to_be_visible()
    visit(page, live_server, "/")
    sign_out(page)

    sign_in(page, live_server, "kemensos_pusat")
    page.get_by_role("link", name="Dasbor").click()
    expect_charts_drawn(page, 3)
    sign_out(page)

    assert violations == []
    assert outside(seen) == []


@pytest.fixture
def admin_without_regions():
    """Live-server tests keep the region tables between tests by leaving the wilayah app out of
    the app registry (tests/conftest.py LIVE_APPS); the admin lists every registered model's
    app, so here it lists them without the region models. The shared site's registry is
    changed in place and put back whole afterwards (never replaced or deleted)."""
    from django.contrib import admin

    registry = admin.site._registry
    saved = dict(registry)
    for model in [m for m in registry if m._meta.app_label == "wilayah"]:
        del registry[model]
    try:
        yield
    finally:
        registry.clear()
        registry.update(saved)


def test_the_admin_runs_under_the_policy(
    page: Page, live_server, world, violations, admin_without_regions
):
    seen = record_requests(page)
    sign_in(page, live_server, "admin_pusat")

    page.get_by_role("link", name="Admin").click()
    expect(page.locator("#site-name")).to_be_visible()
    visit(page, live_server, "/admin/kpm/anggota/")
    page.locator("#searchbar").fill("Ibu")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list")).to_be_visible()
    visit(page, live_server, f"/admin/kpm/kpm/{world.kpm_own.pk}/change/")
    page.locator(".field-pendamping .select2-selection").click()  # the autocomplete widget
    expect(page.locator(".select2-dropdown")).to_be_visible()
    page.keyboard.press("Escape")
    page.locator(".add-row a").first.click()  # inlines.js adds a row
    visit(page, live_server, "/admin/kpm/kpm/add/")
    visit(page, live_server, "/admin/audit/accessevent/laporan-subjek/")
    page.get_by_label("NIK").fill("3571015808780002")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator(".subject-head")).to_be_visible()
    visit(page, live_server, "/admin/pengguna/user/")
    visit(page, live_server, "/")
    sign_out(page)

    assert violations == []
    assert outside(seen) == []


def test_the_watch_reports_what_the_policy_refuses(page: Page, live_server, world, violations):
    """The check can fail: an inline script and an inline style added to a page are refused
    and reported."""
    sign_in(page, live_server, "pendamping_kota")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.ranInline = true;";
          document.body.appendChild(script);
          const style = document.createElement("style");
          style.textContent = "body { color: red; }";
          document.head.appendChild(style);
        }"""
    )
    page.wait_for_timeout(300)  # the events are dispatched after the elements are refused

    assert page.evaluate("window.ranInline === undefined")
    assert any("script-src" in v for v in violations), violations
    assert any("style-src" in v for v in violations), violations
