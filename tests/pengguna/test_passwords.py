"""Common Indonesian passwords are refused wherever Django checks a password, in Indonesian."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from pengguna.models import User
from pengguna.passwords import CommonIndonesianPasswordValidator, is_common_indonesian

MESSAGE = "Kata sandi ini terlalu umum sehingga mudah ditebak"


@pytest.mark.parametrize(
    "password",
    [
        "bismillah",
        "Bismillah123",
        "sayang123",
        "SAYANG_2025!",
        "indonesia1",
        "pkh12345",
        "PKH-2026",
        "kemensos",
        "Kemensos#1",
        "rahasia",
        "password1",
        "alhamdulillah99",
        "kediri2024",  # a kota
        "Bandung Barat 1",  # a kabupaten, with spaces
        "jawatimur!!",  # a provinsi
        "persija1928",
        "cintaku",
    ],
)
def test_common_passwords_are_refused(password):
    assert is_common_indonesian(password)
    with pytest.raises(ValidationError) as refused:
        CommonIndonesianPasswordValidator().validate(password)
    assert MESSAGE in refused.value.messages[0]
    assert refused.value.error_list[0].code == "password_too_common_id"


@pytest.mark.parametrize(
    "password",
    [
        "rahasia-uji-123",  # the tests' own password: more than one word
        "pkh-demo-2026",  # the demo password
        "Kebun kopi di lereng Wilis",
        "tujuh-ekor-kambing-putih",
        "q8#Lm2!vR0",
        "12345678",  # digits only: NumericPasswordValidator's job, not this one's
        "",
    ],
)
def test_other_passwords_pass_this_validator(password):
    assert not is_common_indonesian(password)
    CommonIndonesianPasswordValidator().validate(password)


def test_the_configured_validators_give_the_indonesian_message(db):
    with pytest.raises(ValidationError) as refused:
        validate_password("Sayang2025!", User(username="sari"))
    assert any(MESSAGE in m for m in refused.value.messages)

    validate_password("Kebun kopi di lereng Wilis", User(username="sari"))


def test_the_help_text_names_examples():
    assert "bismillah" in CommonIndonesianPasswordValidator().get_help_text()


def test_the_admin_cannot_create_a_user_with_a_common_password(client, world):
    client.force_login(world.admin)
    data = {
        "username": "pendamping_baru",
        "password1": "bismillah2025",
        "password2": "bismillah2025",
        "usable_password": "true",
        "role": "pendamping",
        "scope_region_code": "",
    }

    refused = client.post(reverse("admin:pengguna_user_add"), data)

    assert refused.status_code == 200
    assert MESSAGE in refused.content.decode()
    assert not User.objects.filter(username="pendamping_baru").exists()

    data |= {"password1": "Kebun kopi di lereng Wilis", "password2": "Kebun kopi di lereng Wilis"}
    created = client.post(reverse("admin:pengguna_user_add"), data)
    assert created.status_code == 302
    assert User.objects.filter(username="pendamping_baru").exists()


def test_the_admin_cannot_set_a_common_password_on_an_existing_user(client, world):
    client.force_login(world.admin)
    url = reverse("admin:auth_user_password_change", args=[world.dinsos_kota.pk])

    response = client.post(url, {"password1": "Rahasia!23", "password2": "Rahasia!23"})

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    world.dinsos_kota.refresh_from_db()
    assert world.dinsos_kota.check_password("rahasia-uji-123")
