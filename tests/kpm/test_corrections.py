"""Correction requests against PostgreSQL: who may file and decide, four eyes, the change
applied with its audit rows in the decision's transaction, and refusals that write nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from config.errors import DomainError
from kpm.models import Anggota, CorrectionRequest, CorrectionStatus, Kpm
from kpm.services.corrections import (
    correction_request_approve,
    correction_request_file,
    correction_request_reject,
)
from pengguna.models import Role
from tests.conftest import KOTA_KEDIRI, make_user

OWN_NIK = "3571015808780002"  # pengurus of world.kpm_own: a woman born 18-08-1978


@pytest.fixture
def mother(world) -> Anggota:
    return Anggota.objects.get(nik=OWN_NIK)


@pytest.fixture
def second_officer(world):
    return make_user("dinsos_kota_2", Role.DINSOS, KOTA_KEDIRI)


def file(
    member: Anggota, actor, field: str = "nama", value: str = "Siti Aminah"
) -> CorrectionRequest:
    return correction_request_file(
        anggota=member, actor=actor, field=field, value=value, reason="KTP menulis Siti Aminah."
    )


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# Filing -------------------------------------------------------------------------------------


def test_the_pendamping_files_a_request_for_a_member_of_their_caseload(world, mother):
    correction = file(mother, world.pendamping_kota.user)

    stored = CorrectionRequest.objects.get()
    assert stored == correction
    assert (stored.field, stored.value_now, stored.value_asked) == (
        "nama",
        "Ibu KDR-OWN",
        "Siti Aminah",
    )
    assert (
        stored.status == CorrectionStatus.SUBMITTED
        and stored.requested_by == world.pendamping_kota.user
    )
    row = AuditEvent.objects.get(object_type="kpm.correctionrequest")
    assert row.action == AuditAction.CREATE and row.changes["value_asked"] == [None, "Siti Aminah"]
    mother.refresh_from_db()
    assert mother.nama == "Ibu KDR-OWN"  # nothing changes before a decision


def test_a_dinsos_officer_files_for_a_member_of_their_kabupaten(world, mother):
    assert file(mother, world.dinsos_kota).requested_by == world.dinsos_kota


@pytest.mark.parametrize("persona", ["pendamping_kota_other", "pendamping_kab", "dinsos_kab"])
def test_nobody_files_for_a_kpm_outside_their_scope(world, mother, persona):
    user = getattr(world, persona)
    refused("forbidden", file, mother, getattr(user, "user", user))
    assert not CorrectionRequest.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("persona", ["kementerian_national", "agency"])
def test_roles_that_only_read_do_not_file(world, mother, persona):
    refused("forbidden", file, mother, getattr(world, persona))


def test_a_second_open_request_for_the_same_data_waits_for_the_first(world, mother):
    file(mother, world.pendamping_kota.user)

    error = refused("open_request", file, mother, world.dinsos_kota, value="Siti Aminah Rahayu")

    assert "masih menunggu keputusan" in error.message
    assert CorrectionRequest.objects.count() == 1
    file(mother, world.dinsos_kota, field="alamat", value="Jl. Pahlawan 5")  # another field may


def test_a_nik_someone_else_holds_is_refused(world, mother):
    error = refused("value", file, mother, world.pendamping_kota.user, "nik", "3571015808780005")
    assert "sudah terdaftar untuk orang lain" in error.message


def test_a_nik_at_odds_with_the_birth_date_is_refused_in_indonesian(world, mother):
    error = refused("value", file, mother, world.pendamping_kota.user, "nik", "3571015908780002")
    assert "tidak cocok dengan tanggal di NIK" in error.message


def test_a_reason_is_required(world, mother):
    with pytest.raises(DomainError) as caught:
        correction_request_file(
            anggota=mother, actor=world.pendamping_kota.user, field="nama", value="Siti", reason=" "
        )
    assert (
        caught.value.code == "reason" and caught.value.message == "Tulis alasan permintaan koreksi."
    )


# Deciding -----------------------------------------------------------------------------------


def test_approval_corrects_the_member_with_an_audit_row_for_both(world, mother):
    correction = file(mother, world.pendamping_kota.user, "nik", "3571015808780009")

    decided = correction_request_approve(
        correction=correction, officer=world.dinsos_kota, note="KK dilihat."
    )

    mother.refresh_from_db()
    assert mother.nik == "3571015808780009"
    assert decided.status == CorrectionStatus.APPROVED
    assert (decided.decided_by, decided.decision_note) == (world.dinsos_kota, "KK dilihat.")
    member_row = AuditEvent.objects.get(object_type="kpm.anggota", object_id=str(mother.pk))
    assert member_row.actor == world.dinsos_kota and member_row.action == AuditAction.UPDATE
    assert member_row.changes == {
        "nik": [OWN_NIK, "3571015808780009"],
        "correction_request": [None, correction.pk],
    }
    decision_row = AuditEvent.objects.filter(object_type="kpm.correctionrequest").latest("id")
    assert decision_row.changes["status"] == ["diajukan", "disetujui"]
    assert decision_row.changes["decided_by_id"] == [None, world.dinsos_kota.pk]


def test_an_approved_birth_date_is_stored_as_a_date(world, mother):
    mother.tanggal_lahir = date(1978, 8, 17)  # a typing mistake the NIK shows
    mother.save()
    correction = file(mother, world.pendamping_kota.user, "tanggal_lahir", "1978-08-18")

    correction_request_approve(correction=correction, officer=world.dinsos_kota)

    mother.refresh_from_db()
    assert mother.tanggal_lahir == date(1978, 8, 18)


def test_an_approved_address_corrects_the_household(world, mother):
    correction = file(mother, world.pendamping_kota.user, "alamat", "Jl. Pahlawan No. 5")

    correction_request_approve(correction=correction, officer=world.dinsos_kota)

    assert Kpm.objects.get(pk=world.kpm_own.pk).alamat == "Jl. Pahlawan No. 5"
    row = AuditEvent.objects.get(object_type="kpm.kpm", object_id=str(world.kpm_own.pk))
    assert row.changes["alamat"] == ["Jl. Uji 1", "Jl. Pahlawan No. 5"]


def test_the_officer_who_filed_never_decides(world, mother, second_officer):
    correction = file(mother, world.dinsos_kota)

    error = refused(
        "four_eyes", correction_request_approve, correction=correction, officer=world.dinsos_kota
    )
    assert "keputusan harus diambil petugas lain" in error.message
    refused(
        "four_eyes",
        correction_request_reject,
        correction=correction,
        officer=world.dinsos_kota,
        reason="x",
    )

    correction_request_approve(correction=correction, officer=second_officer)
    mother.refresh_from_db()
    assert mother.nama == "Siti Aminah"


def test_the_database_refuses_a_decision_by_the_requester(world, mother):
    correction = file(mother, world.dinsos_kota)
    with pytest.raises(IntegrityError), transaction.atomic():
        CorrectionRequest.objects.filter(pk=correction.pk).update(
            status=CorrectionStatus.APPROVED,
            decided_by=world.dinsos_kota,
            decided_at=timezone.now(),
        )


@pytest.mark.parametrize("persona", ["dinsos_kab", "kementerian_national", "admin"])
def test_only_a_dinsos_officer_of_the_kabupaten_decides(world, mother, persona):
    correction = file(mother, world.pendamping_kota.user)

    refused(
        "forbidden",
        correction_request_approve,
        correction=correction,
        officer=getattr(world, persona),
    )

    mother.refresh_from_db()
    assert mother.nama == "Ibu KDR-OWN"
    assert CorrectionRequest.objects.get().status == CorrectionStatus.SUBMITTED


def test_the_pendamping_does_not_decide(world, mother):
    correction = file(mother, world.dinsos_kota)
    refused(
        "forbidden",
        correction_request_approve,
        correction=correction,
        officer=world.pendamping_kota.user,
    )


def test_a_decided_request_is_not_decided_again(world, mother, second_officer):
    correction = file(mother, world.pendamping_kota.user)
    correction_request_reject(
        correction=correction, officer=world.dinsos_kota, reason="KTP tidak cocok."
    )

    error = refused(
        "conflict", correction_request_approve, correction=correction, officer=second_officer
    )

    assert "sudah ditolak oleh" in error.message
    mother.refresh_from_db()
    assert mother.nama == "Ibu KDR-OWN"


def test_a_rejection_needs_its_reason_and_leaves_the_data(world, mother):
    correction = file(mother, world.pendamping_kota.user)

    refused(
        "note",
        correction_request_reject,
        correction=correction,
        officer=world.dinsos_kota,
        reason="  ",
    )
    decided = correction_request_reject(
        correction=correction, officer=world.dinsos_kota, reason="Bukti tidak ada."
    )

    assert (decided.status, decided.decision_note) == (
        CorrectionStatus.REJECTED,
        "Bukti tidak ada.",
    )
    mother.refresh_from_db()
    assert mother.nama == "Ibu KDR-OWN"
    assert not AuditEvent.objects.filter(object_type="kpm.anggota").exists()


def test_data_changed_since_the_request_is_not_overwritten(world, mother):
    correction = file(mother, world.pendamping_kota.user)
    Anggota.objects.filter(pk=mother.pk).update(nama="Siti Aminah Rahayu")

    error = refused(
        "changed", correction_request_approve, correction=correction, officer=world.dinsos_kota
    )

    assert "sudah berubah sejak permintaan diajukan" in error.message
    assert Anggota.objects.get(pk=mother.pk).nama == "Siti Aminah Rahayu"


def test_a_nik_taken_since_the_request_is_refused_at_approval(world, mother):
    correction = file(mother, world.pendamping_kota.user, "nik", "3571015808780009")
    Anggota.objects.filter(nik="3571015808780005").update(nik="3571015808780009")

    error = refused(
        "no_longer_valid",
        correction_request_approve,
        correction=correction,
        officer=world.dinsos_kota,
    )

    assert "sudah terdaftar untuk orang lain" in error.message
    assert Anggota.objects.get(pk=mother.pk).nik == OWN_NIK
    assert CorrectionRequest.objects.get().status == CorrectionStatus.SUBMITTED
