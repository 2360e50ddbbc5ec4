"""Agency API clients in the admin: adding one issues its first key, shown once; rotating shows a
new key and gives the old ones 24 hours; keys are revoked and clients suspended; officers' own
keys are issued and revoked too; only the admin role reaches any of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from audit.models import AuditEvent
from pemberdayaan.models import Programme
from pengguna.api_clients import api_key_issue
from pengguna.models import ApiClient, ApiKey, Role
from tests.conftest import bearer, make_api_client, make_user

ADD_URL = "admin:pengguna_apiclient_add"


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def client_form(**overrides) -> dict:
    pnm = Programme.objects.get(code="pnm-mekaar")
    data = {
        "agency": "PT Permodalan Nasional Madani (PNM)",
        "name": "PNM Mekaar – produksi",
        "agreement_number": "PKS-001/PNM/2026",
        "purpose": "Penyaluran pembiayaan Mekaar bagi keluarga graduasi",
        "fields": ["nik_tersamar", "nama_pengurus", "rujukan"],
        "region_codes": "35, 35.71",
        "programmes": [str(pnm.pk)],
        "expires_on": "2027-12-31",
        "rate_per_minute": "120",
        "active": "on",
    }
    return data | overrides


def raw_key_of(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.context["raw_key"]


def test_adding_a_client_shows_its_key_once_and_stores_only_the_hash(admin_client, world):
    response = admin_client.post(reverse(ADD_URL), client_form())

    raw = raw_key_of(response)
    assert raw in response.content.decode()
    assert "tidak akan ditampilkan lagi" in response.content.decode()
    assert "no-store" in response.headers["Cache-Control"]
    client = ApiClient.objects.get(name="PNM Mekaar – produksi")
    assert client.fields == ["nik_tersamar", "nama_pengurus", "rujukan"]
    assert client.region_codes == ["35", "35.71"]
    assert list(client.programmes.values_list("code", flat=True)) == ["pnm-mekaar"]
    assert client.user.role == Role.AGENCY and not client.user.has_usable_password()

    key = ApiKey.objects.get(client=client)
    assert raw not in (key.id, key.hashed_key) and key.is_valid(raw)
    page = admin_client.get(reverse("admin:pengguna_apiclient_change", args=[client.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and key.prefix in html
    assert raw not in html and key.hashed_key not in html
    assert AuditEvent.objects.filter(object_type="pengguna.apiclient", object_id=str(client.pk))


def test_the_new_key_signs_api_requests_in_as_the_client(admin_client, client, world):
    raw = raw_key_of(admin_client.post(reverse(ADD_URL), client_form()))
    admin_client.logout()

    response = client.get("/api/v1/schema/", **bearer(raw))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"fields": ["nik", "nik_tersamar"]}, "fields", "tidak keduanya"),
        ({"region_codes": "35.71, 99.99"}, "region_codes", "tidak ada di tabel wilayah: 99.99"),
        ({"region_codes": "jatim"}, "region_codes", "Bentuk kode wilayah salah: jatim"),
    ],
)
def test_a_client_that_breaks_a_rule_is_refused_in_indonesian(
    admin_client, world, overrides, field, message
):
    response = admin_client.post(reverse(ADD_URL), client_form(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not ApiClient.objects.exists() and not ApiKey.objects.exists()


def test_rotating_shows_a_new_key_and_gives_the_old_one_a_day(admin_client, world):
    client, old_raw = make_api_client()
    url = reverse("admin:pengguna_apiclient_rotate", args=[client.pk])
    assert "24 jam" in admin_client.get(url).content.decode()

    before = timezone.now()
    new_raw = raw_key_of(admin_client.post(url))

    old = ApiKey.objects.get_from_key(old_raw)
    new = ApiKey.objects.get_from_key(new_raw)
    assert new_raw != old_raw and new.expiry_date is None and not old.revoked
    assert old.expiry_date is not None
    assert before + timedelta(hours=24) <= old.expiry_date <= timezone.now() + timedelta(hours=24)


def test_revoking_all_keys_stops_them_at_once(admin_client, client, world):
    api_client, raw = make_api_client()
    api_key_issue(by=None, client=api_client)

    response = admin_client.post(reverse("admin:pengguna_apiclient_revoke", args=[api_client.pk]))

    assert response.status_code == 302
    assert set(ApiKey.objects.filter(client=api_client).values_list("revoked", flat=True)) == {True}
    refused = client.get("/api/v1/schema/", **bearer(raw))
    assert (refused.status_code, refused.json()["code"]) == (401, "key_revoked")


def test_one_key_is_revoked_from_the_client_page(admin_client, world):
    api_client, raw = make_api_client()
    kept, _ = api_key_issue(by=None, client=api_client)
    revoked = ApiKey.objects.get_from_key(raw)
    page = admin_client.get(reverse("admin:pengguna_apiclient_change", args=[api_client.pk]))
    url = reverse("admin:pengguna_apiclient_revoke_key", args=[api_client.pk, revoked.prefix])
    assert url in page.content.decode()

    admin_client.post(url)

    assert ApiKey.objects.get(prefix=revoked.prefix).revoked
    assert not ApiKey.objects.get(prefix=kept.prefix).revoked


def test_suspending_a_client_refuses_its_keys(admin_client, client, world):
    api_client, raw = make_api_client()

    admin_client.post(reverse("admin:pengguna_apiclient_suspend", args=[api_client.pk]))

    api_client.refresh_from_db()
    assert not api_client.active
    assert AuditEvent.objects.filter(
        object_type="pengguna.apiclient", changes__active=[True, False]
    ).exists()
    refused = client.get("/api/v1/schema/", **bearer(raw))
    assert (refused.status_code, refused.json()["code"]) == (401, "client_suspended")


def test_an_officers_own_key_is_shown_once_and_listed_by_prefix(admin_client, world):
    response = admin_client.post(
        reverse("admin:pengguna_apikey_add"),
        {"user": str(world.dinsos_kota.pk), "name": "laporan bulanan"},
    )

    raw = raw_key_of(response)
    key = ApiKey.objects.get(user=world.dinsos_kota)
    assert key.client is None and key.is_valid(raw)
    listing = admin_client.get(reverse("admin:pengguna_apikey_changelist")).content.decode()
    assert key.prefix in listing and key.hashed_key not in listing and raw not in listing
    page = admin_client.get(reverse("admin:pengguna_apikey_change", args=[key.prefix]))
    assert page.status_code == 200 and key.hashed_key not in page.content.decode()

    admin_client.post(reverse("admin:pengguna_apikey_revoke", args=[key.prefix]))

    assert ApiKey.objects.get(prefix=key.prefix).revoked


def test_an_officers_key_is_offered_only_for_dinsos_kementerian_and_admin(admin_client, world):
    for user in (world.pendamping_kota.user, world.agency):
        response = admin_client.post(
            reverse("admin:pengguna_apikey_add"), {"user": str(user.pk), "name": "x"}
        )
        assert response.status_code == 200
        assert "user" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_the_officer_key_list_leaves_out_agency_keys(admin_client, world):
    make_api_client()

    response = admin_client.get(reverse("admin:pengguna_apikey_changelist"))

    assert list(response.context["cl"].result_list) == []


def test_the_librarys_own_key_admin_is_not_registered():
    assert not admin.site.is_registered(APIKey)


@pytest.mark.parametrize("persona", ["kementerian_national", "dinsos_kota"])
def test_officers_reach_none_of_the_client_or_key_pages(client, world, persona):
    user = getattr(world, persona)
    user.is_staff = True
    user.save()
    api_client, raw = make_api_client()
    key = ApiKey.objects.get_from_key(raw)
    client.force_login(user)
    urls = [
        reverse("admin:pengguna_apiclient_changelist"),
        reverse(ADD_URL),
        reverse("admin:pengguna_apiclient_change", args=[api_client.pk]),
        reverse("admin:pengguna_apiclient_rotate", args=[api_client.pk]),
        reverse("admin:pengguna_apiclient_revoke", args=[api_client.pk]),
        reverse("admin:pengguna_apiclient_suspend", args=[api_client.pk]),
        reverse("admin:pengguna_apiclient_revoke_key", args=[api_client.pk, key.prefix]),
        reverse("admin:pengguna_apikey_changelist"),
        reverse("admin:pengguna_apikey_add"),
    ]

    for url in urls:
        assert client.get(url).status_code in (302, 403), url
        assert client.post(url).status_code in (302, 403), url

    index = client.get(reverse("admin:index")).content.decode()
    assert "apiclient" not in index and "apikey" not in index
    api_client.refresh_from_db()
    assert api_client.active and ApiKey.objects.filter(revoked=False).count() == 1


def test_a_non_staff_user_is_sent_to_the_login(client, world):
    api_client, _ = make_api_client()
    client.force_login(make_user("dinsos_biasa", Role.DINSOS, "35.71"))

    response = client.post(reverse("admin:pengguna_apiclient_rotate", args=[api_client.pk]))

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert ApiKey.objects.count() == 1


def test_editing_a_client_in_the_admin_is_audited(admin_client, world):
    api_client, _ = make_api_client(fields=("nik_tersamar",))
    url = reverse("admin:pengguna_apiclient_change", args=[api_client.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        **{name: form[name].value() for name in ("agency", "name", "agreement_number", "purpose")},
        "fields": ["nik_tersamar", "alamat"],
        "region_codes": "35.06",
        "expires_on": "2030-01-31",
        "rate_per_minute": "60",
        "active": "on",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302
    api_client.refresh_from_db()
    assert api_client.fields == ["nik_tersamar", "alamat"] and api_client.region_codes == ["35.06"]
    event = AuditEvent.objects.filter(
        object_type="pengguna.apiclient", object_id=str(api_client.pk), actor=world.admin
    ).get()
    assert event.action == "update"
    assert event.changes["fields"] == [["nik_tersamar"], ["nik_tersamar", "alamat"]]
    assert event.changes["rate_per_minute"] == [600, 60]


def test_a_client_cannot_be_edited_into_both_nik_forms(admin_client, world):
    api_client, _ = make_api_client(fields=("nik_tersamar",))
    url = reverse("admin:pengguna_apiclient_change", args=[api_client.pk])

    response = admin_client.post(url, client_form(fields=["nik", "nik_tersamar"]))

    assert response.status_code == 200
    api_client.refresh_from_db()
    assert api_client.fields == ["nik_tersamar"]
