"""Every kind of page sends the security headers: a Content-Security-Policy of this site's own
files with no inline or evaluated script, HSTS, Referrer-Policy, X-Frame-Options DENY and
nosniff; production settings add secure, HttpOnly cookies and HTTPS only.

The suite runs with DEBUG off (tests/environment.py), so HSTS is sent on HTTPS requests as in
production; the settings a test server cannot use (HTTPS redirect, secure cookies) are read
from a process started with production's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from tests.conftest import World
from tests.test_deploy_check import ROOT, TEST_ONLY, random_secret

# (what, persona, URL, status). The persona is a World attribute; None: signed out.
PAGES = [
    ("login", None, "/masuk/", 200),
    ("home of a pendamping", "pendamping_kota", "/", 200),
    ("home of Dinsos", "dinsos_kota", "/", 200),
    ("home of the ministry", "kementerian_national", "/", 200),
    ("home of the admin", "admin", "/", 200),
    ("caseload", "pendamping_kota", "/kpm/?q=Ibu", 200),
    ("KPM profile", "pendamping_kota", "/kpm/KDR-OWN/", 200),
    ("visit form", "pendamping_kota", "/kunjungan/KDR-OWN/baru/", 200),
    ("proposal list", "dinsos_kota", "/usulan/", 200),
    ("corrections", "dinsos_kota", "/koreksi/", 200),
    ("dashboard of a kabupaten", "dinsos_kota", "/dasbor/wilayah/35.71/", 200),
    ("national dashboard", "kementerian_national", "/dasbor/nasional/", 200),
    ("admin index", "admin", "/admin/", 200),
    ("admin list", "admin", "/admin/kpm/anggota/", 200),
    ("API docs", "dinsos_kota", "/api/v1/docs/", 200),
    ("API docs script", "dinsos_kota", "/api/v1/docs/?script=", 200),
    ("API JSON", "dinsos_kota", "/api/v1/kpm/", 200),
    ("API error", None, "/api/v1/kpm/", 401),
    ("not found", "pendamping_kota", "/kpm/TIDAK-ADA/", 404),
    ("refused", "pendamping_kota", "/admin/", 302),
]


def policy(header: str) -> dict[str, list[str]]:
    """A CSP header as {directive: [sources]}."""
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def fetch(world: World, persona: str | None, url: str):
    client = Client()
    if persona is not None:
        user = getattr(world, persona)
        client.force_login(getattr(user, "user", user))
    return client.get(url, secure=True)


@pytest.mark.parametrize(("what", "persona", "url", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_every_kind_of_page_sends_the_security_headers(world, what, persona, url, status):
    response = fetch(world, persona, url)

    assert response.status_code == status, what
    csp = policy(response["Content-Security-Policy"])
    for directive in ("script-src", "style-src", "default-src"):
        assert csp[directive] == ["'self'"], (what, directive, csp)
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(csp["script-src"])
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_images_may_be_inline_data_but_nothing_comes_from_elsewhere(world):
    csp = policy(fetch(world, "pendamping_kota", "/")["Content-Security-Policy"])

    assert csp["img-src"] == ["'self'", "data:"]  # Chart.js and the admin's icons
    sources = {s for values in csp.values() for s in values}
    assert sources <= {"'self'", "'none'", "data:"}


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_signing_in_sets_secure_httponly_cookies(world):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/masuk/", secure=True)
    token = page.cookies["csrftoken"]
    assert token["secure"]

    response = client.post(
        "/masuk/",
        {
            "username": "pendamping_kota",
            "password": "rahasia-uji-123",
            "csrfmiddlewaretoken": token.value,
        },
        secure=True,
        HTTP_REFERER="https://testserver/masuk/",
    )

    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"


PRODUCTION = (
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "CONTENT_SECURITY_POLICY", "DEBUG",
)  # fmt: skip


def production_settings() -> dict:
    """The settings a process started with production's environment reads."""
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=random_secret(),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {PRODUCTION!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_enforce_https_and_secure_cookies():
    found = production_settings()

    assert found["DEBUG"] is False
    assert found["SESSION_COOKIE_SECURE"] and found["CSRF_COOKIE_SECURE"]
    assert found["SESSION_COOKIE_HTTPONLY"] and found["SECURE_SSL_REDIRECT"]
    assert found["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and found["SECURE_HSTS_PRELOAD"]
    assert (found["X_FRAME_OPTIONS"], found["SECURE_REFERRER_POLICY"]) == ("DENY", "same-origin")
    assert found["SECURE_CONTENT_TYPE_NOSNIFF"]
    scripts = found["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"]
    assert scripts == ["'self'"]
