"""The demo's second factor: print_demo_logins gives each officer and the admin the public demo
key, `demo_otp <username>` prints the code that signs them in, and neither works with DEBUG off."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from pengguna.demo import DEMO_TOTP_KEY, current_code, demo_secret
from pengguna.models import Role
from tests.conftest import make_user
from tests.pengguna.otp import give_device

PASSWORD = "rahasia-uji-123"  # tests.conftest.make_user


def demo_otp(username: str) -> str:
    out = StringIO()
    call_command("demo_otp", username, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


@pytest.fixture
def demo_users(db):
    """Demo logins as seed_demo names them (their passwords do not matter here)."""
    return {
        "admin": make_user("admin", Role.ADMIN, is_staff=True, is_superuser=True),
        "dinsos.kediri": make_user("dinsos.kediri", Role.DINSOS, "35.71"),
        "pendamping.kediri": make_user("pendamping.kediri", Role.PENDAMPING),
    }


def test_demo_otp_prints_the_code_that_signs_the_demo_admin_in(client, settings, demo_users):
    settings.DEBUG = True

    code = demo_otp("admin")

    assert len(code) == 6 and code.isdigit()
    device = TOTPDevice.objects.get(user=demo_users["admin"])
    assert device.key == DEMO_TOTP_KEY and device.confirmed
    client.post(reverse("login"), {"username": "admin", "password": PASSWORD})
    response = client.post(reverse("otp_verify"), {"otp_token": code})
    assert response["Location"] == reverse("home")


def test_demo_otp_gives_the_code_of_an_app_being_enrolled(settings, demo_users):
    settings.DEBUG = True
    device = give_device(demo_users["dinsos.kediri"], confirmed=False)

    assert demo_otp("dinsos.kediri") == current_code(device).code
    assert TOTPDevice.objects.filter(user=demo_users["dinsos.kediri"]).count() == 1


def test_demo_otp_refuses_with_debug_off(settings, demo_users):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="hanya untuk demo"):
        demo_otp("admin")
    assert not TOTPDevice.objects.exists()


def test_demo_otp_refuses_a_pendamping_and_an_unknown_name(settings, demo_users):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="tidak memakai verifikasi dua langkah"):
        demo_otp("pendamping.kediri")
    with pytest.raises(CommandError, match="Tidak ada pengguna"):
        demo_otp("tidak.ada")


def test_the_demo_code_is_what_an_app_shows_for_the_printed_key():
    import base64

    from django_otp.oath import TOTP

    device = TOTPDevice(key=DEMO_TOTP_KEY)
    clock = TOTP(base64.b32decode(demo_secret()))
    clock.time = 1_800_000_000
    assert current_code(device, now=1_800_000_000).code == f"{clock.token():06d}"
    assert current_code(device, now=1_800_000_000).seconds_left == 30 - 1_800_000_000 % 30


def print_logins() -> list[str]:
    out = StringIO()
    call_command("print_demo_logins", stdout=out)
    return out.getvalue().splitlines()


def test_print_demo_logins_gives_officers_the_demo_key_and_the_command(settings, demo_users):
    settings.DEBUG = True

    lines = print_logins()

    rows = {line.split()[0]: line for line in lines[2:]}
    assert "Kunci TOTP" in lines[1]
    assert demo_secret() in rows["admin"]
    assert "DJANGO_DEBUG=true .venv/bin/python manage.py demo_otp admin" in rows["admin"]
    assert demo_secret() in rows["dinsos.kediri"]
    assert demo_secret() not in rows["pendamping.kediri"]
    assert "demo_otp" not in rows["pendamping.kediri"]
    assert TOTPDevice.objects.filter(key=DEMO_TOTP_KEY).count() == 2


def test_print_demo_logins_leaves_an_app_the_user_enrolled(settings, demo_users):
    settings.DEBUG = True
    own = give_device(demo_users["admin"])

    rows = {line.split()[0]: line for line in print_logins()[2:]}

    assert "(aplikasi sendiri)" in rows["admin"] and demo_secret() not in rows["admin"]
    assert list(TOTPDevice.objects.filter(user=demo_users["admin"])) == [own]


def test_print_demo_logins_prints_no_key_with_debug_off(settings, demo_users):
    settings.DEBUG = False

    rows = {line.split()[0]: line for line in print_logins()[2:]}

    assert "(hanya saat DEBUG)" in rows["admin"] and demo_secret() not in "".join(rows.values())
    assert not TOTPDevice.objects.exists()


def test_the_code_page_of_a_demo_login_says_how_to_get_the_code(client, settings, demo_users):
    settings.DEBUG = True
    call_command("print_demo_logins", stdout=StringIO())
    client.post(reverse("login"), {"username": "dinsos.kediri", "password": PASSWORD})

    page = client.get(reverse("otp_verify")).content.decode()

    assert "manage.py demo_otp dinsos.kediri" in page

    settings.DEBUG = False
    assert "demo_otp" not in client.get(reverse("otp_verify")).content.decode()


def test_the_code_page_of_an_own_app_gives_no_demo_hint(client, settings, demo_users):
    settings.DEBUG = True
    give_device(demo_users["dinsos.kediri"])
    client.post(reverse("login"), {"username": "dinsos.kediri", "password": PASSWORD})

    assert "demo_otp" not in client.get(reverse("otp_verify")).content.decode()
