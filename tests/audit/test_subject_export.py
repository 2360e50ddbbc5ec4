"""The data subject's export: for one NIK, a JSON download (UTF-8) of the person's own member
record, their household's facts and every access event that named them, with who received the
data, when, why and under which agreement. Only the admin role downloads it; each download is
itself an access event and an audit row; the NIK never travels in a URL."""

from __future__ import annotations

import json

import pytest
from django.core import signing
from django.urls import reverse

from audit.models import AccessEvent, AuditAction, AuditEvent
from audit.services import audit_record
from audit.views import EXPORT_SALT
from kpm.models import Anggota
from tests.audit.conftest import agency_pull
from tests.conftest import make_api_client, make_user
from tests.factories import AnggotaFactory

EXPORT = reverse("admin:audit_accessevent_subject_export")
REPORT = reverse("admin:audit_accessevent_subject_report")
GRADUATED_NIK = "3571015808780005"  # the pengurus of world.kpm_graduated
OWN_NIK = "3571015808780002"  # the pengurus of world.kpm_own


def download(client, **data) -> dict:
    response = client.post(EXPORT, data)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="data-subjek-')
    return json.loads(response.content.decode("utf-8"))


def test_the_export_holds_the_persons_record_household_and_every_access(admin_client, world):
    pnm, _ = make_api_client("PNM Mekaar", fields=("nik_tersamar", "nama_pengurus"))
    pull = agency_pull(pnm, ["KDR-GRAD", "KDR-X1"])
    agency_pull(pnm, ["KDR-OWN"])  # another family

    data = download(admin_client, nik=GRADUATED_NIK)

    member = data["anggota"]
    assert (member["nik"], member["nama"], member["tanggal_lahir"]) == (
        GRADUATED_NIK,
        "Ibu KDR-GRAD",
        "1978-08-18",
    )
    assert member["is_pengurus"] is True and member["hubungan"] == "istri"
    household = data["kpm"]
    assert (household["kpm_id"], household["status"], household["alamat"]) == (
        "KDR-GRAD",
        "graduasi",
        "Jl. Uji 1",
    )
    assert household["wilayah"]["kode_desa"] == "35.71.01.1001"
    assert household["wilayah"]["kabupaten"] and household["pendamping"]
    assert [a["waktu"][:19] for a in data["akses"]] == [pull.occurred_at.isoformat()[:19]]
    (access,) = data["akses"]
    assert access["penerima"] == "PNM Mekaar" and access["lembaga"] == "PNM"
    assert access["nomor_pks"] == pnm.agreement_number
    assert access["tujuan"] == pnm.purpose
    assert access["data_menurut_pks"] == ["NIK pengurus (tersamar)", "Nama pengurus"]
    assert access["kpm"] == ["KDR-GRAD"]


def test_other_members_of_the_household_are_left_out(admin_client, world):
    AnggotaFactory(kpm=world.kpm_graduated, hubungan="anak")
    child = Anggota.objects.get(kpm=world.kpm_graduated, hubungan="anak")

    data = download(admin_client, nik=GRADUATED_NIK)

    text = json.dumps(data)
    assert child.nik not in text and child.nama not in text
    assert data["kpm"]["jumlah_anggota"] == 2


def test_the_file_is_utf8_text_not_escaped(admin_client, world):
    world.kpm_graduated.alamat = "Jl. Dr. Soetomo – Gg. Mawar, Kediri"
    world.kpm_graduated.save()

    response = admin_client.post(EXPORT, {"nik": GRADUATED_NIK})

    assert "Jl. Dr. Soetomo – Gg. Mawar".encode() in response.content
    assert b"\\u2013" not in response.content
    assert "no-store" in response["Cache-Control"]


def test_the_changes_to_the_record_and_earlier_households_are_in_it(admin_client, world):
    member = Anggota.objects.get(nik=OWN_NIK)
    audit_record(
        actor=world.admin,
        action=AuditAction.UPDATE,
        obj=member,
        changes={"kpm_id": [world.kpm_graduated.pk, world.kpm_own.pk]},
    )
    pnm, _ = make_api_client()
    earlier = agency_pull(pnm, ["KDR-GRAD"])

    data = download(admin_client, nik=OWN_NIK)

    assert data["kpm"]["kpm_id"] == "KDR-OWN"
    assert data["kpm_sebelumnya"] == ["KDR-GRAD"]
    assert data["riwayat_perubahan"][0]["perubahan"] == {
        "kpm_id": [world.kpm_graduated.pk, world.kpm_own.pk]
    }
    assert [a["nomor_pks"] for a in data["akses"]] == [earlier.detail["agreement"]]


def test_an_earlier_report_on_the_person_is_listed_among_the_accesses(admin_client, world):
    admin_client.post(REPORT, {"nik": GRADUATED_NIK})

    data = download(admin_client, nik=GRADUATED_NIK)

    (access,) = data["akses"]
    assert (access["penerima"], access["tujuan"], access["jenis_data"]) == (
        "admin_pusat",
        "laporan subjek data",
        "kpm.anggota",
    )


def test_each_download_is_an_access_event_and_an_audit_row(admin_client, world):
    member = Anggota.objects.get(nik=GRADUATED_NIK)

    download(admin_client, nik=GRADUATED_NIK)

    access = AccessEvent.objects.get()
    assert (access.actor, access.purpose, access.object_type, access.record_ids) == (
        world.admin,
        "ekspor data subjek",
        "kpm.anggota",
        [str(member.pk)],
    )
    assert access.detail == {"kpm": ["KDR-GRAD"], "events": 0}
    assert GRADUATED_NIK not in access.endpoint + json.dumps(access.detail)
    row = AuditEvent.objects.get()
    assert (row.actor, row.action, row.object_type, row.object_id) == (
        world.admin,
        AuditAction.EXPORT,
        "kpm.anggota",
        str(member.pk),
    )
    assert row.changes == {"akses": [None, access.pk]}


def test_the_report_page_offers_the_download_without_the_nik(admin_client, world):
    report = admin_client.post(REPORT, {"nik": GRADUATED_NIK})
    token = report.context["export_token"]
    html = report.content.decode()
    assert token in html and GRADUATED_NIK not in html and EXPORT in html

    data = download(admin_client, token=token)

    assert data["anggota"]["nik"] == GRADUATED_NIK


def test_a_token_made_for_another_admin_is_refused(admin_client, world):
    member = Anggota.objects.get(nik=GRADUATED_NIK)
    other = make_user("admin_lain", "admin", is_staff=True)
    token = signing.dumps({"anggota": member.pk, "by": other.pk}, salt=EXPORT_SALT)

    response = admin_client.post(EXPORT, {"token": token}, HTTP_ACCEPT_LANGUAGE="id")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Tautan unduhan sudah kedaluwarsa. Isi NIK lagi." in response.content.decode()
    assert not AccessEvent.objects.exists() and not AuditEvent.objects.exists()


def test_a_tampered_token_is_refused(admin_client, world):
    response = admin_client.post(EXPORT, {"token": "bukan-token"}, HTTP_ACCEPT_LANGUAGE="id")

    assert "Tautan unduhan sudah kedaluwarsa" in response.content.decode()
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize(
    ("nik", "message"),
    [("35710158087800", "NIK harus 16 angka."), ("", "Isi NIK (16 angka).")],
)
def test_a_malformed_nik_is_refused_in_indonesian(admin_client, world, nik, message):
    response = admin_client.post(EXPORT, {"nik": nik}, HTTP_ACCEPT_LANGUAGE="id")

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccessEvent.objects.exists() and not AuditEvent.objects.exists()


def test_an_unknown_nik_says_so_and_records_nothing(admin_client, world):
    response = admin_client.post(EXPORT, {"nik": "3571019999990001"})

    assert "Tidak ada anggota KPM dengan NIK 3571********0001" in response.content.decode()
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("persona", ["kementerian_national", "dinsos_kota"])
def test_officers_cannot_download_it(client, world, persona):
    user = getattr(world, persona)
    user.is_staff = True
    user.save()
    client.force_login(user)

    assert client.post(EXPORT, {"nik": GRADUATED_NIK}).status_code == 403
    assert not AccessEvent.objects.exists()


def test_a_pendamping_is_sent_to_the_admin_login(client, world):
    client.force_login(world.pendamping_kota.user)

    response = client.post(EXPORT, {"nik": GRADUATED_NIK})

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_download_is_a_post_only(admin_client, world):
    assert admin_client.get(EXPORT, {"nik": GRADUATED_NIK}).status_code == 405
    assert not AccessEvent.objects.exists()


def test_the_filename_carries_no_nik(admin_client, world):
    response = admin_client.post(EXPORT, {"nik": GRADUATED_NIK})

    member = Anggota.objects.get(nik=GRADUATED_NIK)
    assert GRADUATED_NIK not in response["Content-Disposition"]
    assert f"KDR-GRAD-{member.pk}-" in response["Content-Disposition"]


def test_the_persons_correction_requests_are_in_it(admin_client, world):
    from kpm.services.corrections import correction_request_file

    member = Anggota.objects.get(nik=GRADUATED_NIK)
    correction_request_file(
        anggota=member, actor=world.pendamping_kota.user, field="nama", value="Siti Aminah",
        reason="Sesuai KTP.",
    )  # fmt: skip

    data = download(admin_client, nik=GRADUATED_NIK)

    (asked,) = data["permintaan_koreksi"]
    assert (asked["data"], asked["tercatat"], asked["diminta"], asked["status"]) == (
        "nama",
        "Ibu KDR-GRAD",
        "Siti Aminah",
        "diajukan",
    )
