"""The second factor (TOTP) of dinsos, kementerian and admin accounts, through the real views:
password, enrolment or code, then the page asked for; and what a session without its code can
and cannot reach."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from pengguna.api_clients import api_key_issue
from pengguna.two_factor import needs_otp
from tests.pengguna.otp import code_now, give_device, wrong_code

PASSWORD = "rahasia-uji-123"  # tests.conftest.make_user
STAFF_API = "/api/v1/kpm/"
DINSOS_PAGE = "/kpm/impor/"  # kpm:import_upload, for Dinsos and admin


def password_step(client: Client, username: str, **extra: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD, **extra})


def secret_of(page: str) -> bytes:
    """The key the enrolment page shows for typing into an app, as bytes."""
    import base64

    match = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', page)
    assert match, "the enrolment page shows no key"
    raw = match.group(1).replace(" ", "")
    return base64.b32decode(raw + "=" * (-len(raw) % 8))


def app_code(key: bytes) -> str:
    """What an authenticator app holding `key` shows now."""
    clock = TOTP(key)
    clock.time = timezone.now().timestamp()
    return f"{clock.token():06d}"


# Who needs it ---------------------------------------------------------------------------------


def test_officers_and_admin_need_a_second_factor_and_pendamping_and_agency_do_not(world):
    assert needs_otp(world.dinsos_kota)
    assert needs_otp(world.kementerian_national) and needs_otp(world.kementerian_jatim)
    assert needs_otp(world.admin)
    assert not needs_otp(world.pendamping_kota.user)
    assert not needs_otp(world.agency)


# Enrolment: the first sign-in of an officer ----------------------------------------------------


def test_first_sign_in_enrols_an_app_from_the_page_then_lands_on_beranda(client, world):
    response = password_step(client, "dinsos_kota")
    assert response["Location"] == reverse("otp_enrol")

    page = client.get(reverse("otp_enrol"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Aktifkan verifikasi dua langkah" in body
    assert 'src="data:image/svg+xml' in body  # the QR code, drawn on the server
    assert "otpauth://totp/PKH%20Graduasi%3Adinsos_kota?" in body
    assert "<script" not in body and " style=" not in body and "onclick" not in body
    assert "no-store" in page["Cache-Control"]  # the page holds the key

    done = client.post(reverse("otp_enrol"), {"otp_token": app_code(secret_of(body))})
    assert done.status_code == 302 and done["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "Beranda" in home.content.decode()

    device = TOTPDevice.objects.get(user=world.dinsos_kota)
    assert device.confirmed
    event = AuditEvent.objects.get(object_type="otp_totp.totpdevice", object_id=str(device.pk))
    assert event.action == "create" and event.actor == world.dinsos_kota
    assert device.key not in str(event.changes)


def test_the_enrolment_key_stays_the_same_until_it_is_confirmed(client, world):
    password_step(client, "kemensos_pusat")
    first = secret_of(client.get(reverse("otp_enrol")).content.decode())
    again = secret_of(client.get(reverse("otp_enrol")).content.decode())

    assert first == again
    assert TOTPDevice.objects.filter(user=world.kementerian_national).count() == 1


def test_a_wrong_first_code_does_not_enrol(client, world):
    password_step(client, "dinsos_kota")
    client.get(reverse("otp_enrol"))
    device = TOTPDevice.objects.get(user=world.dinsos_kota)

    response = client.post(reverse("otp_enrol"), {"otp_token": wrong_code(device)})

    assert response.status_code == 200
    assert "Kode salah atau sudah kedaluwarsa" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    assert client.get(reverse("home"))["Location"].startswith(reverse("otp_enrol"))


def test_with_an_app_enrolled_the_password_alone_cannot_enrol_another(client, world):
    give_device(world.dinsos_kota)
    password_step(client, "dinsos_kota")

    response = client.get(reverse("otp_enrol"))

    assert response.status_code == 302 and response["Location"] == reverse("otp_verify")
    assert TOTPDevice.objects.filter(user=world.dinsos_kota).count() == 1


# The code page ---------------------------------------------------------------------------------


def test_password_then_code_then_the_page_first_asked_for(client, world):
    device = give_device(world.admin)

    asked = client.get(DINSOS_PAGE)
    login_url = asked["Location"]
    assert login_url.startswith(reverse("login"))
    response = password_step(client, "admin_pusat", next=DINSOS_PAGE)
    assert response["Location"] == f"{reverse('otp_verify')}?next=%2Fkpm%2Fimpor%2F"
    page = client.get(response["Location"]).content.decode()
    assert 'name="otp_token"' in page and 'inputmode="numeric"' in page

    done = client.post(response["Location"], {"otp_token": code_now(device), "next": DINSOS_PAGE})

    assert done["Location"] == DINSOS_PAGE
    assert client.get(DINSOS_PAGE).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_the_session_id_changes_when_the_code_is_given(client, world):
    device = give_device(world.dinsos_kota)
    password_step(client, "dinsos_kota")
    before = client.session.session_key

    client.post(reverse("otp_verify"), {"otp_token": code_now(device)})

    assert client.session.session_key != before


def test_a_wrong_code_is_refused_in_indonesian_and_counts(client, world):
    device = give_device(world.dinsos_kota)
    password_step(client, "dinsos_kota")

    response = client.post(reverse("otp_verify"), {"otp_token": wrong_code(device)})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Kode salah atau sudah kedaluwarsa" in body and 'role="alert"' in body
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("home"))["Location"].startswith(reverse("otp_verify"))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Isi kode 6 angka"),
        ("12345", "Kode terdiri dari 6 angka"),
        ("12a456", "Kode terdiri dari 6 angka"),
    ],
)
def test_a_code_that_is_not_six_digits_is_explained_and_not_counted(client, world, typed, message):
    device = give_device(world.dinsos_kota)
    password_step(client, "dinsos_kota")

    response = client.post(reverse("otp_verify"), {"otp_token": typed})

    assert message in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_spaces_inside_the_code_are_allowed(client, world):
    device = give_device(world.dinsos_kota)
    password_step(client, "dinsos_kota")
    code = code_now(device)

    response = client.post(reverse("otp_verify"), {"otp_token": f" {code[:3]} {code[3:]} "})

    assert response["Location"] == reverse("home")


def test_after_many_wrong_codes_even_the_right_one_waits(client, world):
    device = give_device(world.dinsos_kota)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=6, throttling_failure_timestamp=timezone.now()
    )  # the next try must wait 2**5 = 32 seconds
    password_step(client, "dinsos_kota")

    response = client.post(reverse("otp_verify"), {"otp_token": code_now(device)})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Terlalu banyak kode yang salah. Tunggu" in body
    assert re.search(r"Tunggu (3[0-2]) detik", body)
    device.refresh_from_db()
    assert device.throttling_failure_count == 6  # a refused try is not counted again
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_code_is_accepted_once(client, world):
    device = give_device(world.dinsos_kota)
    password_step(client, "dinsos_kota")
    code = code_now(device)
    client.post(reverse("otp_verify"), {"otp_token": code})
    client.post(reverse("logout"))

    password_step(client, "dinsos_kota")
    response = client.post(reverse("otp_verify"), {"otp_token": code})

    assert response.status_code == 200
    assert "Kode salah" in response.content.decode()


def test_a_new_password_sign_in_asks_for_the_code_again(client, world):
    device = give_device(world.dinsos_kota)
    password_step(client, "dinsos_kota")
    client.post(reverse("otp_verify"), {"otp_token": code_now(device)})
    client.post(reverse("logout"))

    password_step(client, "dinsos_kota")

    assert client.get(reverse("home"))["Location"].startswith(reverse("otp_verify"))


# What a session without its code reaches ------------------------------------------------------


def signed_in_without_code(client: Client, world, username: str = "dinsos_kota") -> TOTPDevice:
    device = give_device(world.dinsos_kota)
    password_step(client, username)
    return device


@pytest.mark.parametrize("path", [DINSOS_PAGE, "/", "/usulan/", "/admin/"])
def test_an_unverified_officer_is_sent_to_the_code_page(client, world, path):
    signed_in_without_code(client, world)

    response = client.get(path)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("otp_verify")
    assert parse_qs(location.query).get("next") == [path]


def test_an_htmx_request_is_redirected_as_a_whole_page(client, world):
    signed_in_without_code(client, world)

    response = client.get(DINSOS_PAGE, HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("otp_verify")


def test_an_unverified_officer_may_still_sign_out_and_load_static_files(client, world):
    signed_in_without_code(client, world)

    assert client.get("/static/css/app.css").status_code == 200
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_the_staff_api_refuses_an_unverified_session_with_401(client, world):
    signed_in_without_code(client, world)

    response = client.get(STAFF_API)

    assert response.status_code == 401
    assert response.json()["code"] == "otp_required"
    assert "verifikasi dua langkah" in response.json()["detail"]


def test_the_staff_api_answers_a_verified_session(client, world):
    device = signed_in_without_code(client, world)
    client.post(reverse("otp_verify"), {"otp_token": code_now(device)})

    assert client.get(STAFF_API).status_code == 200


def test_an_officers_api_key_needs_no_code(client, world):
    _key, raw = api_key_issue(by=world.admin, user=world.dinsos_kota)
    key = {"Authorization": f"Bearer {raw}"}

    assert Client().get(STAFF_API, headers=key).status_code == 200
    signed_in_without_code(client, world)  # a pending browser session does not get in the way
    assert client.get(STAFF_API, headers=key).status_code == 200


def test_pendamping_sign_in_with_the_password_alone(client, world):
    response = password_step(client, "pendamping_kota")

    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("otp_verify"))["Location"] == reverse("home")
    assert client.get(reverse("otp_enrol"))["Location"] == reverse("home")
    assert not TOTPDevice.objects.filter(user=world.pendamping_kota.user).exists()


def test_the_code_pages_ask_an_anonymous_visitor_to_sign_in(client, db):
    for name in ("otp_verify", "otp_enrol"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# The admin site ---------------------------------------------------------------------------------


def test_the_admin_login_hands_over_to_the_sign_in_page(client, db):
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")

    handed = client.get(response["Location"])

    assert handed.status_code == 302
    assert handed["Location"] == f"{reverse('login')}?next=/admin/"


def test_the_admin_login_form_cannot_be_used_to_skip_the_code(client, world):
    give_device(world.admin)

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin_pusat", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_signed_in_user_without_admin_access_is_refused_not_looped(client, world):
    password_step(client, "pendamping_kota")

    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_the_admin_resets_a_lost_phone_and_the_user_enrols_again(client, world):
    other = Client()
    device = give_device(world.dinsos_kota)
    password_step(other, "dinsos_kota")
    other.post(reverse("otp_verify"), {"otp_token": code_now(device)})
    assert other.get(reverse("home")).status_code == 200
    client.force_login(world.admin)
    url = reverse("admin:pengguna_user_reset_otp", args=[world.dinsos_kota.pk])

    assert "Atur ulang" in client.get(url).content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.dinsos_kota).exists()
    event = AuditEvent.objects.get(object_type="otp_totp.totpdevice", action="delete")
    assert event.actor == world.admin and event.object_id == str(device.pk)
    assert other.get(reverse("home"))["Location"].startswith(reverse("login"))  # session ended
    assert password_step(other, "dinsos_kota")["Location"] == reverse("otp_enrol")


def test_the_reset_button_is_for_the_admin_role_only(client, world):
    world.kementerian_national.is_staff = True
    world.kementerian_national.save()
    give_device(world.dinsos_kota)
    url = reverse("admin:pengguna_user_reset_otp", args=[world.dinsos_kota.pk])
    client.force_login(world.kementerian_national)

    assert client.post(url).status_code == 403
    assert TOTPDevice.objects.filter(user=world.dinsos_kota).exists()


def test_the_user_list_shows_who_has_a_second_factor_and_never_a_key(client, world):
    device = give_device(world.dinsos_kota)
    client.force_login(world.admin)

    listing = client.get(reverse("admin:pengguna_user_changelist")).content.decode()
    change = client.get(reverse("admin:pengguna_user_change", args=[world.dinsos_kota.pk]))

    assert "verifikasi dua langkah" in listing.lower()
    assert "Atur ulang verifikasi dua langkah" in change.content.decode()
    assert device.key not in listing and device.key not in change.content.decode()
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_an_officer_waiting_for_the_code_gets_the_app_files(client, world):
    """The pages before the code load the app's script, which registers the service worker:
    its file must not be redirected to the code page."""
    password_step(client, "dinsos_kota")
    for path in ("/sw.js", "/manifest.webmanifest", "/luring/"):
        assert client.get(path).status_code == 200, path
    assert client.get(reverse("kpm:caseload")).status_code == 302  # the rest still waits
