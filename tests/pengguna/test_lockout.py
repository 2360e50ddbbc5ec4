"""Failed sign-ins (django-axes): five wrong passwords lock that username, not the address it
came from, with an Indonesian explanation; the lock lifts after the cool-off or by the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent

PASSWORD = "rahasia-uji-123"  # tests.conftest.make_user
LIMIT = 5
LOCKED = "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam 15 menit, atau hubungi admin."


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def fail(client: Client, username: str, times: int = LIMIT) -> list:
    return [sign_in(client, username, f"salah-{i}") for i in range(times)]


def test_four_wrong_passwords_still_leave_the_right_one_working(client, world):
    answers = fail(client, "pendamping_kota", LIMIT - 1)

    assert [r.status_code for r in answers] == [200] * (LIMIT - 1)
    assert sign_in(client, "pendamping_kota").status_code == 302
    assert not AccessAttempt.objects.filter(username="pendamping_kota").exists()  # reset


def test_five_wrong_passwords_lock_the_username_even_for_the_right_one(client, world):
    answers = fail(client, "pendamping_kota")

    assert answers[-1].status_code == 429
    response = sign_in(client, "pendamping_kota")
    body = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in body
    assert '<html lang="id"' in body and 'name="username"' in body  # the sign-in page
    assert 'value="pendamping_kota"' in body
    assert "_auth_user_id" not in client.session


def test_others_behind_the_same_address_still_sign_in(client, world):
    fail(client, "pendamping_kota")

    neighbour = Client(REMOTE_ADDR="127.0.0.1")
    assert (
        neighbour.post(
            reverse("login"), {"username": "pendamping_kota_lain", "password": PASSWORD}
        ).status_code
        == 302
    )
    assert sign_in(client, "pendamping_kab").status_code == 302


def test_guesses_from_many_addresses_are_stopped_all_the_same(world):
    for i in range(LIMIT):
        Client(REMOTE_ADDR=f"10.0.0.{i + 1}").post(
            reverse("login"), {"username": "dinsos_kota", "password": f"tebakan-{i}"}
        )

    response = Client(REMOTE_ADDR="10.0.9.9").post(
        reverse("login"), {"username": "dinsos_kota", "password": PASSWORD}
    )

    assert response.status_code == 429


def test_the_lock_lifts_after_the_cool_off(client, world):
    fail(client, "pendamping_kota")
    AccessAttempt.objects.filter(username="pendamping_kota").update(
        attempt_time=AccessAttempt.objects.get(username="pendamping_kota").attempt_time
        - timedelta(minutes=15, seconds=1)
    )

    assert sign_in(client, "pendamping_kota").status_code == 302


def test_the_lock_holds_just_before_the_cool_off_ends(client, world):
    fail(client, "pendamping_kota")
    AccessAttempt.objects.filter(username="pendamping_kota").update(
        attempt_time=AccessAttempt.objects.get(username="pendamping_kota").attempt_time
        - timedelta(minutes=14, seconds=50)
    )

    assert sign_in(client, "pendamping_kota").status_code == 429


def test_the_admin_unlocks_a_username_and_the_unlock_is_audited(client, world):
    fail(Client(), "pendamping_kota")
    attempt = AccessAttempt.objects.get(username="pendamping_kota")
    client.force_login(world.admin)
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    event = AuditEvent.objects.get(object_type="axes.accessattempt", action="delete")
    assert event.actor == world.admin
    assert (
        Client()
        .post(reverse("login"), {"username": "pendamping_kota", "password": PASSWORD})
        .status_code
        == 302
    )


@pytest.mark.parametrize("persona", ["dinsos_kota", "kementerian_national"])
def test_other_staff_never_see_the_lockouts(client, world, persona):
    user = getattr(world, persona)
    user.is_staff = True
    user.save()
    fail(Client(), "pendamping_kota")
    client.force_login(user)

    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert "axes" not in client.get(reverse("admin:index")).content.decode()


def test_the_admin_sees_the_lockouts(client, world):
    fail(Client(), "pendamping_kota")
    client.force_login(world.admin)

    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()

    assert "pendamping_kota" in page


def test_a_password_check_from_inside_needs_no_request(client, world):
    from django.contrib.auth import authenticate

    fail(client, "pendamping_kota")

    assert authenticate(username="pendamping_kota", password=PASSWORD) == world.pendamping_kota.user
    assert authenticate(username="pendamping_kota", password="salah") is None
    assert sign_in(client, "pendamping_kota").status_code == 429  # the web stays locked
