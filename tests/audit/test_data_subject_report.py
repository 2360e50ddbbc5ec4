"""The data-subject report: for one NIK, every time the person's household was served outside the
case workflow (agency pulls, exports), with who received it under which agreement and fields; the
NIK is masked on the page; only the admin role opens it, and opening it is itself logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AccessEvent, AuditAction
from audit.services import access_record, audit_record
from kpm.models import Anggota
from kpm.rules import mask_nik
from tests.audit.conftest import agency_pull
from tests.conftest import make_api_client

URL = reverse("admin:audit_accessevent_subject_report")
GRADUATED_NIK = "3571015808780005"  # the pengurus of world.kpm_graduated
OTHER_NIK = "3571015808780002"  # the pengurus of world.kpm_own


def report(client, nik: str):
    response = client.post(URL, {"nik": nik})
    assert response.status_code == 200
    return response


def test_the_report_lists_the_pulls_of_that_persons_household_only(admin_client, world):
    pnm, _ = make_api_client("PNM Mekaar", fields=("nik_tersamar", "nama_pengurus"))
    kop, _ = make_api_client("KemenKopUKM Pelatihan", fields=("jumlah_anggota",))
    first = agency_pull(pnm, ["KDR-GRAD", "KDR-X1"])
    second = agency_pull(kop, ["KDR-GRAD"])
    agency_pull(pnm, ["KDR-OWN"])  # another family
    by_pk = access_record(
        actor=world.dinsos_kota,
        endpoint="/laporan/",
        purpose="ekspor",
        object_type="kpm.kpm",
        record_ids=[world.kpm_graduated.pk],
    )
    access_record(  # a pendamping's id that equals the KPM's pk names someone else
        actor=world.dinsos_kota,
        endpoint="/ekspor/",
        purpose="ekspor pendamping",
        object_type="pendamping.pendamping",
        record_ids=[world.kpm_graduated.pk],
    )

    response = report(admin_client, GRADUATED_NIK)

    rows = response.context["rows"]
    assert [r.event for r in rows] == [by_pk, second, first]
    html = response.content.decode()
    assert "3 kali data diterima" in html
    assert "PKS-PNM Mekaar/2026" in html and "PNM Mekaar" in html
    assert rows[2].fields == ["NIK pengurus (tersamar)", "Nama pengurus"]
    assert rows[1].fields == ["Jumlah anggota keluarga"]
    assert {tuple(r.households) for r in rows} == {("KDR-GRAD",)}
    assert "dinsos_kota" in html


def test_the_header_shows_the_nik_masked_never_whole(admin_client, world):
    response = report(admin_client, GRADUATED_NIK)

    html = response.content.decode()
    assert f"NIK {mask_nik(GRADUATED_NIK)}" in html
    assert GRADUATED_NIK not in html
    assert "Belum pernah ada pihak lain" in html


def test_a_household_the_person_left_is_included(admin_client, world):
    member = Anggota.objects.get(nik=OTHER_NIK)
    audit_record(  # the admin moved them from the graduated household to kpm_own
        actor=world.admin,
        action=AuditAction.UPDATE,
        obj=member,
        changes={"kpm_id": [world.kpm_graduated.pk, world.kpm_own.pk]},
    )
    pnm, _ = make_api_client()
    earlier = agency_pull(pnm, ["KDR-GRAD"])

    response = report(admin_client, OTHER_NIK)

    assert [k.kpm_id for k in response.context["households"]] == ["KDR-OWN", "KDR-GRAD"]
    assert [r.event for r in response.context["rows"]] == [earlier]
    assert "(dulu)" in response.content.decode()


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("35710158087800", "NIK harus 16 angka."),
        ("35710158087800AB", "NIK harus 16 angka."),
        ("", "Isi NIK (16 angka)."),
    ],
)
def test_a_malformed_nik_is_refused_in_indonesian(admin_client, world, nik, message):
    response = admin_client.post(URL, {"nik": nik}, HTTP_ACCEPT_LANGUAGE="id")

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "rows" not in response.context
    assert not AccessEvent.objects.exists()


def test_an_unknown_nik_says_so(admin_client, world):
    response = report(admin_client, "3571019999990001")

    assert "Tidak ada anggota KPM dengan NIK 3571********0001" in response.content.decode()
    assert not AccessEvent.objects.exists()


def test_spaces_in_a_typed_nik_are_ignored(admin_client, world):
    response = report(admin_client, "3571 0158 0878 0005")

    assert response.context["masked_nik"] == mask_nik(GRADUATED_NIK)


def test_viewing_the_report_is_logged_without_the_nik(admin_client, world):
    report(admin_client, GRADUATED_NIK)

    event = AccessEvent.objects.get()
    member = Anggota.objects.get(nik=GRADUATED_NIK)
    assert (event.actor, event.purpose, event.object_type) == (
        world.admin,
        "laporan subjek data",
        "kpm.anggota",
    )
    assert event.record_ids == [str(member.pk)] and event.detail["kpm"] == ["KDR-GRAD"]
    assert GRADUATED_NIK not in str(event.endpoint) + str(event.detail)


@pytest.mark.parametrize("persona", ["kementerian_national", "dinsos_kota"])
def test_officers_cannot_open_the_report(client, world, persona):
    user = getattr(world, persona)
    user.is_staff = True
    user.save()
    client.force_login(user)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"nik": GRADUATED_NIK}).status_code == 403
    assert not AccessEvent.objects.exists()


def test_a_user_outside_the_admin_site_is_sent_to_its_login(client, world):
    client.force_login(world.pendamping_kota.user)

    response = client.post(URL, {"nik": GRADUATED_NIK})

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_access_log_filters_and_searches_by_client(admin_client, world):
    pnm, _ = make_api_client("PNM Mekaar")
    kop, _ = make_api_client("KemenKopUKM Pelatihan")
    mine = agency_pull(pnm, ["KDR-GRAD"])
    agency_pull(kop, ["KDR-GRAD"])
    listing = reverse("admin:audit_accessevent_changelist")

    filtered = admin_client.get(listing, {"client__id__exact": pnm.pk})
    searched = admin_client.get(listing, {"q": pnm.agreement_number})
    page = admin_client.get(listing).content.decode()

    assert list(filtered.context["cl"].result_list) == [mine]
    assert list(searched.context["cl"].result_list) == [mine]
    assert URL in page
