"""Web sessions end 30 minutes idle or 12 hours after sign-in, whichever is first; the
last-seen time is written at most once a minute; a disabled account's sessions end at once and
stay ended when it is enabled again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pengguna.rules import SessionEnd, SessionLimits, SessionVerdict, session_verdict
from tests.pengguna.otp import code_now, give_device

PASSWORD = "rahasia-uji-123"  # tests.conftest.make_user
PAGE = "/pemberitahuan/"  # a light page every signed-in user may open
T0 = 1_800_000_000.0  # a moment in 2027, Unix seconds
MIN = 60.0
HOUR = 3600.0

# The rule ----------------------------------------------------------------------------------------

LIMITS = SessionLimits()


@pytest.mark.parametrize(
    ("now", "signed_in_at", "seen_at", "expected"),
    [
        (T0 + 10, T0, T0, SessionVerdict(ended=None, touch=False)),
        (T0 + 59, T0, T0, SessionVerdict(ended=None, touch=False)),
        (T0 + MIN, T0, T0, SessionVerdict(ended=None, touch=True)),
        (T0 + 29 * MIN, T0, T0, SessionVerdict(ended=None, touch=True)),
        (T0 + 30 * MIN - 1, T0, T0, SessionVerdict(ended=None, touch=True)),
        (T0 + 30 * MIN, T0, T0, SessionVerdict(ended=SessionEnd.IDLE, touch=False)),
        (T0 + 12 * HOUR - 1, T0, T0 + 12 * HOUR - 5 * MIN, SessionVerdict(None, touch=True)),
        (T0 + 12 * HOUR, T0, T0 + 12 * HOUR - 5, SessionVerdict(SessionEnd.ABSOLUTE, False)),
        # both limits passed: the 12 hours are named
        (T0 + 13 * HOUR, T0, T0, SessionVerdict(ended=SessionEnd.ABSOLUTE, touch=False)),
        # a session from before the limits existed starts counting
        (T0, None, None, SessionVerdict(ended=None, touch=True)),
        (T0, T0 - 20 * HOUR, None, SessionVerdict(ended=None, touch=True)),
    ],
)
def test_session_verdict(now, signed_in_at, seen_at, expected):
    verdict = session_verdict(now=now, signed_in_at=signed_in_at, seen_at=seen_at, limits=LIMITS)
    assert verdict == expected


# Through the middleware, with the clock moved ---------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime.fromtimestamp(T0, tz=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def sign_in(client: Client, username: str = "pendamping_kota"):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_a_session_idle_for_30_minutes_ends_with_a_notice(client, world, clock):
    sign_in(client)
    clock.advance(minutes=29)
    assert client.get(PAGE).status_code == 200  # activity moves the idle clock
    clock.advance(minutes=29)
    assert client.get(PAGE).status_code == 200

    clock.advance(minutes=30)
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=%2Fpemberitahuan%2F"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "Sesi Anda berakhir karena 30 menit tidak ada kegiatan" in page
    assert "Sesi Anda berakhir" not in client.get(reverse("login")).content.decode()  # once


def test_a_busy_session_still_ends_12_hours_after_sign_in(client, world, clock):
    sign_in(client)
    for _ in range(int(12 * 60 / 25)):  # a request every 25 minutes for almost 12 hours
        clock.advance(minutes=25)
        assert client.get(PAGE).status_code == 200

    clock.advance(minutes=12 * 60 - 25 * int(12 * 60 / 25))
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"]).content.decode()
    assert "Sesi Anda berakhir karena sudah 12 jam sejak masuk" in page


def test_signing_in_again_starts_a_new_12_hours(client, world, clock):
    sign_in(client)
    clock.advance(hours=11, minutes=50)
    client.post(reverse("logout"))
    sign_in(client)

    clock.advance(minutes=20)
    assert client.get(PAGE).status_code == 200


def test_the_session_is_written_at_most_once_a_minute(client, world, clock):
    sign_in(client)

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return sum(
            1
            for q in ctx.captured_queries
            if "django_session" in q["sql"] and q["sql"].startswith(("UPDATE", "INSERT"))
        )

    clock.advance(seconds=20)
    assert session_writes() == 0
    clock.advance(seconds=20)
    assert session_writes() == 0
    clock.advance(seconds=25)
    assert session_writes() == 1
    clock.advance(seconds=5)
    assert session_writes() == 0


def test_an_ended_session_answers_the_api_with_401_not_a_redirect(client, world, clock):
    device = give_device(world.dinsos_kota)
    sign_in(client, "dinsos_kota")
    client.post(reverse("otp_verify"), {"otp_token": code_now(device)})
    assert client.get("/api/v1/kpm/").status_code == 200

    clock.advance(minutes=31)
    response = client.get("/api/v1/kpm/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_ended_session_still_gets_the_app_files_not_a_redirect(client, world, clock):
    """A service worker behind a redirect would neither install nor update."""
    sign_in(client)
    clock.advance(minutes=31)
    for path in ("/sw.js", "/manifest.webmanifest", "/luring/"):
        assert client.get(path).status_code == 200, path
    assert "_auth_user_id" not in client.session  # the session still ended


def test_an_ended_session_of_an_officer_must_give_the_code_again(client, world, clock):
    device = give_device(world.dinsos_kota)
    sign_in(client, "dinsos_kota")
    client.post(reverse("otp_verify"), {"otp_token": code_now(device)})

    clock.advance(minutes=45)
    assert client.get(PAGE)["Location"].startswith(reverse("login"))
    sign_in(client, "dinsos_kota")

    assert client.get(PAGE)["Location"].startswith(reverse("otp_verify"))


# Disabling an account ----------------------------------------------------------------------------


def test_a_disabled_users_next_request_is_anonymous_on_every_device(client, world):
    user = world.pendamping_kota.user
    other_device = Client()
    client.force_login(user)
    other_device.force_login(user)
    bystander = Client()
    bystander.force_login(world.pendamping_kab.user)

    user.is_active = False
    user.save()

    assert client.get(PAGE)["Location"].startswith(reverse("login"))
    assert other_device.get(PAGE)["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session and "_auth_user_id" not in other_device.session
    assert bystander.get(PAGE).status_code == 200  # other users keep theirs


def test_disabling_deletes_the_stored_sessions(client, world):
    user = world.pendamping_kota.user
    client.force_login(user)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert not Session.objects.filter(session_key=key).exists()


def test_enabling_again_does_not_revive_an_old_session(client, world):
    user = world.pendamping_kota.user
    client.force_login(user)
    key = client.session.session_key
    kept = Session.objects.get(session_key=key)  # as a backup or a replayed cookie would

    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    Session.objects.create(
        session_key=kept.session_key, session_data=kept.session_data, expire_date=kept.expire_date
    )

    assert client.get(PAGE)["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    fresh = Client()
    fresh.post(reverse("login"), {"username": "pendamping_kota", "password": PASSWORD})
    assert fresh.get(PAGE).status_code == 200  # the account itself works again


def test_disabling_in_the_admin_ends_the_sessions(client, world):
    user = world.pendamping_kota.user
    victim = Client()
    victim.force_login(user)
    client.force_login(world.admin)
    url = reverse("admin:pengguna_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "is_active": "",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "groups": [],
            "user_permissions": [],
        }
    )
    data = {k: v for k, v in data.items() if k not in ("date_joined", "last_login")}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_active and user.session_generation == 1
    assert victim.get(PAGE)["Location"].startswith(reverse("login"))


def test_an_ordinary_save_of_an_active_user_keeps_their_sessions(client, world):
    user = world.pendamping_kota.user
    client.force_login(user)

    user.first_name = "Sari"
    user.save()

    assert client.get(PAGE).status_code == 200
    user.refresh_from_db()
    assert user.session_generation == 0
