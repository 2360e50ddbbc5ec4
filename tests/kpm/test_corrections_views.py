"""Correction request pages: filing from a member of a KPM in the user's scope, the Dinsos list
and decision, Indonesian form errors, scoping (out of scope: 404; a role that only reads: 403)
and the NIK masked in every list."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kpm.models import Anggota, CorrectionRequest, CorrectionStatus
from kpm.services.corrections import correction_request_file
from pengguna.models import Role
from tests.conftest import KOTA_KEDIRI, make_user

OWN_NIK = "3571015808780002"
ASKED_NIK = "3571015808780009"


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    client.force_login(user)
    return client


@pytest.fixture
def mother(world) -> Anggota:
    return Anggota.objects.get(nik=OWN_NIK)


@pytest.fixture
def pendamping(world) -> Client:
    return signed_in(world.pendamping_kota.user)


@pytest.fixture
def officer(world) -> Client:
    return signed_in(world.dinsos_kota)


def nik_request(world, mother) -> CorrectionRequest:
    return correction_request_file(
        anggota=mother, actor=world.pendamping_kota.user, field="nik", value=ASKED_NIK,
        reason="KTP: 3571015808780009",
    )  # fmt: skip


def create_url(member: Anggota, field: str) -> str:
    return reverse("koreksi:create", args=[member.pk, field])


def test_the_profile_links_each_member_to_its_correction_page(pendamping, world, mother):
    page = pendamping.get(reverse("kpm:profile", args=["KDR-OWN"])).content.decode()
    assert reverse("koreksi:member", args=[mother.pk]) in page


def test_the_member_page_shows_the_data_held_with_a_link_per_field(pendamping, mother):
    response = pendamping.get(reverse("koreksi:member", args=[mother.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert OWN_NIK in html  # the KPM's own pendamping works with the full NIK
    assert "18-08-1978" in html and "Perempuan" in html and "Istri" in html
    for field in ("nama", "nik", "tanggal_lahir", "jenis_kelamin", "hubungan", "alamat"):
        assert create_url(mother, field) in html


def test_the_pendamping_files_a_correction_and_sees_it_waiting(pendamping, world, mother):
    response = pendamping.post(
        create_url(mother, "nama"), {"nilai": " Siti  Aminah ", "alasan": "Sesuai KTP."}
    )

    correction = CorrectionRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("koreksi:detail", args=[correction.pk])
    assert (correction.value_now, correction.value_asked) == ("Ibu KDR-OWN", "Siti Aminah")
    page = pendamping.get(response["Location"]).content.decode()
    assert "Permintaan koreksi tercatat; menunggu keputusan Dinas Sosial." in page
    assert "Diajukan" in page and 'data-testid="approve"' not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nik", "35710158087800", "NIK harus 16 angka (tertulis 14 karakter)."),
        ("nik", "", "Isi data yang benar."),
        ("nik", "3571015908780002", "tidak cocok dengan tanggal di NIK"),
        ("nik", "3571015808780005", "NIK ini sudah terdaftar untuk orang lain."),
        ("tanggal_lahir", "31-02-1978", "Tanggal tidak terbaca; tulis seperti 31-12-2026."),
        ("tanggal_lahir", "01-01-2099", "Tanggal lahir tidak boleh sesudah hari ini."),
        ("tanggal_lahir", "01-01-1890", "lebih dari 120 tahun lalu"),
        ("jenis_kelamin", "", "Pilih jenis kelamin."),
        ("nama", "Ibu KDR-OWN", "Data yang diminta sama dengan data sekarang."),
    ],
)
def test_a_bad_value_is_explained_in_indonesian(pendamping, mother, field, value, message):
    response = pendamping.post(create_url(mother, field), {"nilai": value, "alasan": "KK."})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CorrectionRequest.objects.exists()


def test_a_missing_reason_is_asked_for(pendamping, mother):
    response = pendamping.post(create_url(mother, "nama"), {"nilai": "Siti Aminah"})

    assert response.status_code == 400
    assert "Tulis alasan permintaan koreksi." in response.content.decode()


def test_an_unknown_field_is_not_found(pendamping, mother):
    assert pendamping.get(create_url(mother, "pendamping")).status_code == 404


def test_the_officer_lists_open_requests_with_the_nik_masked(officer, world, mother):
    nik_request(world, mother)

    response = officer.get(reverse("koreksi:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "3571********0002" in html and "3571********0009" in html
    assert OWN_NIK not in html and ASKED_NIK not in html
    assert [r.correction.anggota for r in response.context["rows"]] == [mother]


def test_the_officer_approves_and_the_member_is_corrected(officer, world, mother):
    correction = nik_request(world, mother)
    detail = officer.get(reverse("koreksi:detail", args=[correction.pk])).content.decode()
    assert ASKED_NIK in detail and 'data-testid="approve"' in detail  # Dinsos sees it whole

    response = officer.post(reverse("koreksi:approve", args=[correction.pk]), {"catatan": "KK."})

    assert response.status_code == 302
    mother.refresh_from_db()
    assert mother.nik == ASKED_NIK
    page = officer.get(response["Location"]).content.decode()
    assert "Koreksi disetujui; data sudah diubah." in page
    listing = officer.get(reverse("koreksi:list"))
    assert listing.context["rows"] == []
    assert [r.correction for r in listing.context["decided"]] == [correction]


def test_a_rejection_without_a_reason_is_asked_for_again(officer, world, mother):
    correction = nik_request(world, mother)

    response = officer.post(reverse("koreksi:reject", args=[correction.pk]), {"catatan": ""})

    assert response.status_code == 400
    assert "Tulis alasan penolakan." in response.content.decode()
    assert CorrectionRequest.objects.get().status == CorrectionStatus.SUBMITTED


def test_the_officer_who_filed_gets_no_decision_and_is_refused(officer, world, mother):
    correction = correction_request_file(
        anggota=mother, actor=world.dinsos_kota, field="nama", value="Siti", reason="KTP."
    )
    page = officer.get(reverse("koreksi:detail", args=[correction.pk])).content.decode()
    assert 'data-testid="approve"' not in page and "petugas Dinas Sosial lain" in page

    response = officer.post(reverse("koreksi:approve", args=[correction.pk]))

    assert response.status_code == 400
    assert "keputusan harus diambil petugas lain" in response.content.decode()
    assert Anggota.objects.get(pk=mother.pk).nama == "Ibu KDR-OWN"


def test_a_second_officer_is_told_it_was_already_decided(officer, world, mother):
    correction = nik_request(world, mother)
    other = signed_in(make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI))
    other.post(reverse("koreksi:reject", args=[correction.pk]), {"catatan": "Tidak cocok."})

    response = officer.post(reverse("koreksi:approve", args=[correction.pk]))

    assert response.status_code == 409
    assert "sudah ditolak oleh" in response.content.decode()
    assert Anggota.objects.get(pk=mother.pk).nik == OWN_NIK


# Scoping --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["pendamping_kota_other", "pendamping_kab", "dinsos_kab"])
def test_outside_the_scope_every_page_is_not_found(world, mother, persona):
    correction = nik_request(world, mother)
    user = getattr(world, persona)
    client = signed_in(getattr(user, "user", user))

    assert client.get(reverse("koreksi:member", args=[mother.pk])).status_code == 404
    assert client.get(create_url(mother, "nama")).status_code == 404
    assert client.post(create_url(mother, "nama"), {"nilai": "X", "alasan": "y"}).status_code == 404
    assert client.get(reverse("koreksi:detail", args=[correction.pk])).status_code == 404
    assert client.get(reverse("koreksi:list")).context["rows"] == []
    if persona == "dinsos_kab":
        assert client.post(reverse("koreksi:approve", args=[correction.pk])).status_code == 404
    assert Anggota.objects.get(pk=mother.pk).nik == OWN_NIK


@pytest.mark.parametrize("persona", ["kementerian_national", "agency"])
def test_roles_that_only_read_are_refused(world, mother, persona):
    client = signed_in(getattr(world, persona))

    assert client.get(reverse("koreksi:list")).status_code == 403
    assert client.get(reverse("koreksi:member", args=[mother.pk])).status_code == 403
    assert client.post(create_url(mother, "nama"), {"nilai": "X", "alasan": "y"}).status_code == 403


def test_the_pendamping_cannot_decide(pendamping, world, mother):
    correction = nik_request(world, mother)

    assert pendamping.post(reverse("koreksi:approve", args=[correction.pk])).status_code == 403
    assert CorrectionRequest.objects.get().status == CorrectionStatus.SUBMITTED


def test_a_visitor_is_sent_to_sign_in(world, mother):
    response = Client().get(reverse("koreksi:member", args=[mother.pk]))
    assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_the_pendamping_follows_requests_of_their_caseload(pendamping, world, mother):
    nik_request(world, mother)

    listing = pendamping.get(reverse("koreksi:list"))

    assert [r.correction.anggota for r in listing.context["rows"]] == [mother]
    assert ASKED_NIK not in listing.content.decode()


def test_the_admin_lists_requests_read_only_with_the_nik_masked(world, mother):
    correction = nik_request(world, mother)
    admin = signed_in(world.admin)

    listing = admin.get(reverse("admin:kpm_correctionrequest_changelist")).content.decode()
    change = admin.get(reverse("admin:kpm_correctionrequest_change", args=[correction.pk]))

    assert "3571********0009" in listing and ASKED_NIK not in listing
    assert change.status_code == 200
    assert admin.get(reverse("admin:kpm_correctionrequest_add")).status_code == 403
