"""Signing in and out, and the Beranda each persona lands on, through the Django test client."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from pengguna.models import User
from pengguna.two_factor import needs_otp
from tests.pengguna.otp import code_now, give_device

PASSWORD = "rahasia-uji-123"  # tests.conftest.make_user


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "the page has no <html lang>"
    return match.group(1)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


@pytest.mark.django_db
def test_login_page_is_in_indonesian(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert html_lang(response) == "id"
    body = response.content.decode()
    assert "Masuk" in body
    assert "Kata sandi" in body
    assert "Nama pengguna" in body


def test_wrong_password_is_refused_with_an_indonesian_message(client, world):
    response = sign_in(client, "dinsos_kota", "salah-sandi")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_empty_form_names_the_missing_fields_in_indonesian(client, world):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="field-error"') == 2
    assert "Bidang ini" in body  # Django's Indonesian "This field is required."
    assert "This field is required" not in body


def test_inactive_user_cannot_sign_in(client, world):
    world.dinsos_kota.is_active = False
    world.dinsos_kota.save()
    response = sign_in(client, "dinsos_kota")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("username", "count", "scope"),
    [
        ("dinsos_kota", "3", "35.71 KOTA KEDIRI"),
        ("pendamping_kota", "2", "KPM dampingan Anda"),
        ("kemensos_pusat", "4", "Nasional"),
        ("mitra_pnm", "1", "KPM yang sudah graduasi"),
    ],
)
def test_right_password_lands_on_beranda_with_the_visible_kpm_count(
    client, world, username, count, scope
):
    user = User.objects.get(username=username)
    device = give_device(user) if needs_otp(user) else None

    response = sign_in(client, username)
    assert response.status_code == 302
    if device is not None:  # dinsos and kementerian give their code first
        assert response["Location"] == reverse("otp_verify")
        response = client.post(reverse("otp_verify"), {"otp_token": code_now(device)})
    assert response["Location"] == reverse("home")

    home = client.get(reverse("home"))
    body = home.content.decode()
    assert home.status_code == 200
    assert "Beranda" in body
    assert re.search(rf'data-testid="kpm-count">{count}<', body)
    assert scope in body


def test_beranda_names_the_user_and_role(client, world):
    sign_in(client, "pendamping_kota")
    body = client.get(reverse("home")).content.decode()
    assert "Pendamping_Kota" in body  # first name given by the fixture
    assert "Pendamping" in body


def test_sign_in_follows_a_safe_next_and_ignores_an_outside_one(client, world):
    response = sign_in(client, "pendamping_kota", next="/?from=login")
    assert response["Location"] == "/?from=login"
    client.logout()
    response = sign_in(client, "pendamping_kota", next="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_next_survives_the_second_factor_and_an_outside_one_is_dropped(client, world):
    device = give_device(world.dinsos_kota)

    response = sign_in(client, "dinsos_kota", next="/?from=login")
    assert response["Location"] == reverse("otp_verify") + "?next=%2F%3Ffrom%3Dlogin"
    done = client.post(response["Location"], {"otp_token": code_now(device)})
    assert done["Location"] == "/?from=login"

    client.logout()
    response = sign_in(client, "dinsos_kota", next="https://evil.example/")
    assert response["Location"] == reverse("otp_verify")
    outside = client.post(
        reverse("otp_verify"), {"otp_token": code_now(device), "next": "https://evil.example/"}
    )
    assert outside["Location"] == reverse("home")


def test_anonymous_beranda_redirects_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_signed_in_user_visiting_login_goes_to_beranda(client, world):
    client.force_login(world.dinsos_kota)
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logout_by_post_returns_to_login_with_a_note(client, world):
    client.force_login(world.dinsos_kota)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Anda telah keluar" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused_and_keeps_the_session(client, world):
    client.force_login(world.dinsos_kota)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_language_switch_to_english_changes_the_page_language(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )
    assert response.status_code == 200
    assert html_lang(response) == "en"
    assert html_lang(client.get(reverse("login"))) == "en"


@pytest.mark.django_db
def test_pages_load_nothing_from_outside(client):
    body = client.get(reverse("login")).content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', body)
