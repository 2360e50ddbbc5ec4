"""API keys at the door: each refusal answers 401 with its own code, a rotated key keeps working
through its grace and not after, only the hash of a key is stored, and only officers hold keys
of their own."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import path
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import agency_client
from config.errors import DomainError
from kpm.demo.api_client import demo_api_client
from pengguna.api_clients import api_key_issue, api_key_revoke, api_key_rotate
from pengguna.models import ApiClient, ApiKey
from tests.conftest import bearer, make_api_client

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

URL = "/kunci/"


class WhoAmI(APIView):
    """Test-only: who the key signed in as."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        client = agency_client(request)
        return Response({"user": request.user.get_username(), "client": client and client.name})


urlpatterns = [path("kunci/", WhoAmI.as_view())]


def refused(client, code: str, **headers) -> None:
    response = client.get(URL, **headers)
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_valid_key_signs_in_as_the_clients_service_user(client, world):
    api_client, raw = make_api_client()

    response = client.get(URL, **bearer(raw))

    assert response.status_code == 200
    assert response.json() == {"user": api_client.user.username, "client": api_client.name}


def test_an_unknown_key_is_refused(client, world):
    _api_client, raw = make_api_client()
    prefix = raw.partition(".")[0]

    refused(client, "invalid_key", **bearer("AbCdEfGh.not-a-real-secret"))
    refused(client, "invalid_key", **bearer(f"{prefix}.wrong-secret"))
    refused(client, "invalid_key", **bearer("no-dot-at-all"))


@pytest.mark.parametrize("header", ["Bearer", "Bearer two parts", "bearer   a b c"])
def test_a_malformed_authorization_header_is_refused(client, world, header):
    refused(client, "invalid_key", HTTP_AUTHORIZATION=header)


def test_a_revoked_key_is_refused(client, world):
    _api_client, raw = make_api_client()
    api_key_revoke(by=None, key=ApiKey.objects.get(prefix=raw.partition(".")[0]))

    refused(client, "key_revoked", **bearer(raw))


def test_an_expired_key_is_refused(client, world):
    _api_client, raw = make_api_client()
    ApiKey.objects.filter(prefix=raw.partition(".")[0]).update(
        expiry_date=timezone.now() - timedelta(seconds=1)
    )

    refused(client, "key_expired", **bearer(raw))


def test_a_rotated_key_works_through_its_grace_and_is_refused_after(client, world):
    api_client, old_raw = make_api_client()
    _new, new_raw = api_key_rotate(by=None, client=api_client)

    assert client.get(URL, **bearer(old_raw)).status_code == 200
    assert client.get(URL, **bearer(new_raw)).status_code == 200

    old = ApiKey.objects.filter(prefix=old_raw.partition(".")[0])
    assert old.get().expiry_date > timezone.now() + timedelta(hours=23)
    old.update(expiry_date=timezone.now() - timedelta(seconds=1))  # the day has passed

    refused(client, "key_expired", **bearer(old_raw))
    assert client.get(URL, **bearer(new_raw)).status_code == 200


def test_a_rotation_without_grace_revokes_the_old_key_at_once(client, world):
    api_client, old_raw = make_api_client()

    api_key_rotate(by=None, client=api_client, grace=timedelta(0))

    refused(client, "key_revoked", **bearer(old_raw))


def test_a_suspended_clients_key_is_refused(client, world):
    api_client, raw = make_api_client()
    api_client.active = False
    api_client.save()

    refused(client, "client_suspended", **bearer(raw))


def test_a_key_under_an_ended_agreement_is_refused(client, world):
    yesterday = timezone.localdate() - timedelta(days=1)
    _api_client, raw = make_api_client(expires_on=yesterday)

    refused(client, "agreement_expired", **bearer(raw))


def test_the_agreements_last_day_still_counts(client, world):
    _api_client, raw = make_api_client(expires_on=timezone.localdate())

    assert client.get(URL, **bearer(raw)).status_code == 200


def test_a_key_whose_user_is_inactive_is_refused(client, world):
    api_client, raw = make_api_client()
    api_client.user.is_active = False
    api_client.user.save()
    _staff_key, staff_raw = api_key_issue(by=world.admin, user=world.dinsos_kota)
    world.dinsos_kota.is_active = False
    world.dinsos_kota.save()

    refused(client, "user_inactive", **bearer(raw))
    refused(client, "user_inactive", **bearer(staff_raw))


def test_an_officers_key_signs_in_as_the_officer(client, world):
    _key, raw = api_key_issue(by=world.admin, user=world.kementerian_jatim, name="laporan")

    response = client.get(URL, **bearer(raw))

    assert response.json() == {"user": "kemensos_jatim", "client": None}


@pytest.mark.parametrize("persona", ["pendamping", "agency"])
def test_pendamping_and_agency_users_get_no_key_of_their_own(world, persona):
    user = world.pendamping_kota.user if persona == "pendamping" else world.agency

    with pytest.raises(DomainError) as refusal:
        api_key_issue(by=world.admin, user=user)

    assert refusal.value.code == "wrong_role"
    assert not ApiKey.objects.filter(user=user).exists()


def test_an_inactive_officer_gets_no_key(world):
    world.dinsos_kab.is_active = False
    world.dinsos_kab.save()

    with pytest.raises(DomainError):
        api_key_issue(by=world.admin, user=world.dinsos_kab)


def test_a_key_is_for_one_client_or_one_officer(world):
    api_client, _raw = make_api_client()

    with pytest.raises(DomainError):
        api_key_issue(by=world.admin, client=api_client, user=world.dinsos_kota)
    with pytest.raises(DomainError):
        api_key_issue(by=world.admin)


def every_row_as_text() -> str:
    """Every row of every table except the region reference tables, as JSON text."""
    texts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith("wilayah_"):
                continue
            cursor.execute(
                f"SELECT coalesce(string_agg(row_to_json(t)::text, ''), '') FROM \"{table}\" t"
            )
            texts.append(cursor.fetchone()[0])
    return "".join(texts)


def test_no_table_holds_a_key_only_its_hash(client, world):
    api_client, raw = make_api_client(fields=("nik_tersamar",))
    _rotated, rotated_raw = api_key_rotate(by=world.admin, client=api_client)
    _staff, staff_raw = api_key_issue(by=world.admin, user=world.dinsos_kota)
    for key in (raw, rotated_raw, staff_raw):
        client.get(URL, **bearer(key))

    stored = every_row_as_text()

    assert ApiKey.objects.count() == 3
    for key in (raw, rotated_raw, staff_raw):
        prefix, _dot, secret = key.partition(".")
        assert prefix in stored  # the keys are there, by prefix
        assert secret not in stored and key not in stored


# The demo agency client (make run prints its key)


def print_demo_logins() -> str:
    out = StringIO()
    call_command("print_demo_logins", stdout=out)
    return out.getvalue()


def printed_key(output: str) -> str:
    lines = output.splitlines()
    return lines[
        lines.index(next(li for li in lines if li.startswith("Klien API demo"))) + 1
    ].strip()


def test_the_demo_client_is_created_once_under_its_agreement(world):
    first = demo_api_client(today=date(2026, 11, 1))
    again = demo_api_client(today=date(2027, 3, 1))

    assert again.pk == first.pk and ApiClient.objects.count() == 1
    assert first.fields == ["nik_tersamar", "nama_pengurus", "jumlah_anggota", "rujukan"]
    assert first.region_codes == [] and first.expires_on == date(2027, 12, 31)
    assert list(first.programmes.values_list("code", flat=True)) == ["pnm-mekaar"]


def test_print_demo_logins_gives_the_demo_client_a_fresh_key_with_a_curl_line(client, world):
    demo_api_client(today=timezone.localdate())
    earlier = printed_key(print_demo_logins())

    output = print_demo_logins()

    raw = printed_key(output)
    assert raw != earlier
    assert f'curl -H "Authorization: Bearer {raw}" http://127.0.0.1:8000/api/v1/graduations/' in (
        output
    )
    assert client.get(URL, **bearer(raw)).json()["client"] == "PNM Mekaar (demo)"
    refused(client, "key_revoked", **bearer(earlier))


def test_print_demo_logins_prints_no_key_without_a_demo_client(world):
    make_api_client()  # another agency's client is left alone

    output = print_demo_logins()

    assert "Klien API demo" not in output and ApiKey.objects.count() == 1
