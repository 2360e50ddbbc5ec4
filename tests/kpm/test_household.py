"""Household changes: each one transaction with before/after audit rows; refusals write nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import DomainError
from kpm.demo.identity import nik_make
from kpm.models import Anggota, KpmStatus, MemberStatus
from kpm.services.household import (
    age_on,
    anggota_add_birth,
    anggota_change_school,
    anggota_exit,
    anggota_record_delivery,
    anggota_record_pregnancy,
)
from tests.factories import AnggotaFactory


def today() -> date:
    return timezone.localdate()


def audit_of(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)))


@pytest.fixture
def mother(world) -> Anggota:
    member = world.kpm_own.anggota.get()
    member.hamil, member.perkiraan_lahir = True, today() + timedelta(days=5)
    member.save()
    return member


@pytest.fixture
def father(world) -> Anggota:
    return AnggotaFactory.create(
        kpm=world.kpm_own, jenis_kelamin="L", hubungan="suami", tanggal_lahir=date(1975, 2, 3)
    )


@pytest.fixture
def child(world) -> Anggota:
    return AnggotaFactory.create(
        kpm=world.kpm_own,
        jenis_kelamin="L",
        hubungan="anak",
        tanggal_lahir=today() - timedelta(days=365 * 8),
        jenjang_sekolah="SD",
    )


def baby_nik(born: date, sex: str = "L", serial: int = 77) -> str:
    return nik_make("357101", born, sex, serial)


def add_birth(world, **overrides):
    born = overrides.pop("tanggal_lahir", today() - timedelta(days=2))
    arguments = {
        "kpm": world.kpm_own,
        "actor": world.pendamping_kota.user,
        "nama": "Bayi Uji",
        "jenis_kelamin": "L",
        "tanggal_lahir": born,
        "nik": baby_nik(born),
        "mother": None,
    }
    return anggota_add_birth(**{**arguments, **overrides})


# Birth


def test_a_birth_adds_a_child_and_records_the_mothers_delivery(world, mother):
    born = today() - timedelta(days=2)

    baby = add_birth(world, tanggal_lahir=born, nik=baby_nik(born), mother=mother)

    assert (baby.kpm, baby.hubungan, baby.status) == (world.kpm_own, "anak", "aktif")
    assert not baby.is_pengurus
    mother.refresh_from_db()
    assert (mother.hamil, mother.perkiraan_lahir, mother.tanggal_persalinan) == (False, None, born)
    [created] = audit_of(baby)
    assert created.action == "create"
    assert created.actor == world.pendamping_kota.user
    assert created.changes["nik"] == [None, baby.nik]
    [updated] = audit_of(mother)
    assert updated.action == "update"
    assert updated.changes == {
        "hamil": [True, False],
        "perkiraan_lahir": [(today() + timedelta(days=5)).isoformat(), None],
        "tanggal_persalinan": [None, born.isoformat()],
    }


def test_a_birth_without_a_mother_leaves_the_women_alone(world, mother):
    add_birth(world)

    mother.refresh_from_db()
    assert mother.hamil
    assert audit_of(mother) == []


def _birth_refused(world, match: str, **overrides) -> None:
    members = Anggota.objects.count()
    with pytest.raises(DomainError, match=match):
        add_birth(world, **overrides)
    assert Anggota.objects.count() == members
    assert not AuditEvent.objects.exists()


def test_a_nik_of_the_wrong_length_is_refused(world):
    _birth_refused(world, "16 angka", nik="35710112")


def test_a_nik_of_an_unknown_kecamatan_is_refused(world):
    born = today() - timedelta(days=2)
    _birth_refused(world, "bukan kode kecamatan", nik=nik_make("999999", born, "L", 5))


def test_a_nik_whose_date_disagrees_with_the_birth_date_is_refused(world):
    born = today() - timedelta(days=2)
    _birth_refused(world, "tidak cocok", tanggal_lahir=born, nik=baby_nik(born - timedelta(1)))


def test_a_nik_of_the_other_sex_is_refused(world):
    born = today() - timedelta(days=2)
    _birth_refused(world, "perempuan", tanggal_lahir=born, nik=baby_nik(born, sex="P"))


def test_a_nik_already_registered_is_refused(world, father):
    born = father.tanggal_lahir
    _birth_refused(world, "sudah terdaftar", tanggal_lahir=born, nik=father.nik)


def test_a_birth_in_the_future_is_refused(world):
    born = today() + timedelta(days=1)
    _birth_refused(world, "sesudah hari ini", tanggal_lahir=born, nik=baby_nik(born))


def test_a_mother_from_another_kpm_is_refused(world):
    other = world.kpm_graduated.anggota.get()
    _birth_refused(world, "anggota aktif KPM ini", mother=other)


def test_a_birth_in_a_graduated_kpm_is_refused(world):
    _birth_refused(world, "Graduasi", kpm=world.kpm_graduated)


def test_a_birth_outside_the_caseload_is_refused(world):
    _birth_refused(world, "tidak berwenang", actor=world.pendamping_kota_other.user)


# Pregnancy and delivery


def test_a_pregnancy_is_recorded_with_its_due_date(world):
    member = world.kpm_own.anggota.get()
    due = today() + timedelta(days=120)

    anggota_record_pregnancy(anggota=member, actor=world.dinsos_kota, perkiraan_lahir=due)

    member.refresh_from_db()
    assert (member.hamil, member.perkiraan_lahir) == (True, due)
    [event] = audit_of(member)
    assert event.actor == world.dinsos_kota
    assert event.changes == {"hamil": [False, True], "perkiraan_lahir": [None, due.isoformat()]}


def test_a_man_cannot_be_recorded_pregnant(world, father):
    with pytest.raises(DomainError, match="perempuan"):
        anggota_record_pregnancy(
            anggota=father, actor=world.admin, perkiraan_lahir=today() + timedelta(days=90)
        )
    father.refresh_from_db()
    assert not father.hamil
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(("days", "match"), [(0, "sesudah hari ini"), (400, "10 bulan")])
def test_a_due_date_today_or_too_far_is_refused(world, days, match):
    member = world.kpm_own.anggota.get()
    with pytest.raises(DomainError, match=match):
        anggota_record_pregnancy(
            anggota=member, actor=world.admin, perkiraan_lahir=today() + timedelta(days=days)
        )
    assert not AuditEvent.objects.exists()


def test_a_delivery_ends_the_pregnancy(world, mother):
    day = today() - timedelta(days=1)

    anggota_record_delivery(anggota=mother, actor=world.admin, tanggal_persalinan=day)

    mother.refresh_from_db()
    assert (mother.hamil, mother.perkiraan_lahir, mother.tanggal_persalinan) == (False, None, day)
    assert audit_of(mother)[0].changes["tanggal_persalinan"] == [None, day.isoformat()]


def test_a_delivery_in_the_future_is_refused(world, mother):
    with pytest.raises(DomainError, match="sesudah hari ini"):
        anggota_record_delivery(
            anggota=mother, actor=world.admin, tanggal_persalinan=today() + timedelta(days=1)
        )
    mother.refresh_from_db()
    assert mother.hamil


def test_a_delivery_for_a_man_is_refused(world, father):
    with pytest.raises(DomainError, match="perempuan"):
        anggota_record_delivery(anggota=father, actor=world.admin, tanggal_persalinan=today())


# School


def test_a_school_change_is_recorded_with_before_and_after(world, child):
    anggota_change_school(anggota=child, actor=world.pendamping_kota.user, jenjang_sekolah="SMP")

    child.refresh_from_db()
    assert child.jenjang_sekolah == "SMP"
    [event] = audit_of(child)
    assert event.actor == world.pendamping_kota.user
    assert event.changes == {"jenjang_sekolah": ["SD", "SMP"]}


def test_leaving_school_is_an_empty_level(world, child):
    anggota_change_school(anggota=child, actor=world.admin, jenjang_sekolah="")

    child.refresh_from_db()
    assert child.jenjang_sekolah == ""


def test_the_same_school_level_writes_nothing(world, child):
    anggota_change_school(anggota=child, actor=world.admin, jenjang_sekolah="SD")

    assert not AuditEvent.objects.exists()


def test_an_unknown_school_level_is_refused(world, child):
    with pytest.raises(DomainError, match="jenjang sekolah"):
        anggota_change_school(anggota=child, actor=world.admin, jenjang_sekolah="S1")


def test_a_school_change_by_another_kabupaten_is_refused(world, child):
    with pytest.raises(DomainError, match="tidak berwenang"):
        anggota_change_school(anggota=child, actor=world.dinsos_kab, jenjang_sekolah="SMP")
    child.refresh_from_db()
    assert child.jenjang_sekolah == "SD"


# A member leaves


def test_a_member_who_died_is_recorded_with_the_date(world, father):
    day = today() - timedelta(days=4)

    anggota_exit(anggota=father, actor=world.pendamping_kota.user, status="meninggal", on=day)

    father.refresh_from_db()
    assert (father.status, father.status_changed_on) == (MemberStatus.DIED, day)
    [event] = audit_of(father)
    assert event.changes == {
        "status": ["aktif", "meninggal"],
        "status_changed_on": [None, day.isoformat()],
    }


def test_the_last_active_member_cannot_leave(world):
    member = world.kpm_own.anggota.get()

    with pytest.raises(DomainError, match=r"anggota aktif terakhir.*Dinsos"):
        anggota_exit(anggota=member, actor=world.admin, status="pindah", on=today())
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    assert not AuditEvent.objects.exists()


def test_a_pengurus_cannot_leave_without_a_successor(world, father):
    pengurus = world.kpm_own.anggota.get(is_pengurus=True)

    with pytest.raises(DomainError, match="Pilih anggota yang menjadi pengurus baru"):
        anggota_exit(anggota=pengurus, actor=world.admin, status="meninggal", on=today())
    pengurus.refresh_from_db()
    assert (pengurus.status, pengurus.is_pengurus) == (MemberStatus.ACTIVE, True)
    assert not AuditEvent.objects.exists()


def test_a_leaving_pengurus_hands_over_to_the_chosen_adult(world, father, child):
    pengurus = world.kpm_own.anggota.get(is_pengurus=True)

    anggota_exit(
        anggota=pengurus, actor=world.dinsos_kota, status="pindah", on=today(), new_pengurus=father
    )

    pengurus.refresh_from_db()
    father.refresh_from_db()
    assert (pengurus.status, pengurus.is_pengurus) == (MemberStatus.MOVED, False)
    assert father.is_pengurus
    assert audit_of(father)[0].changes == {"is_pengurus": [False, True]}
    assert audit_of(pengurus)[0].changes["is_pengurus"] == [True, False]
    assert audit_of(pengurus)[0].actor == world.dinsos_kota


def test_a_child_cannot_take_over_while_an_adult_could(world, father, child):
    pengurus = world.kpm_own.anggota.get(is_pengurus=True)

    with pytest.raises(DomainError, match="dewasa"):
        anggota_exit(
            anggota=pengurus, actor=world.admin, status="pindah", on=today(), new_pengurus=child
        )
    assert Anggota.objects.get(pk=pengurus.pk).is_pengurus


def test_a_child_takes_over_when_no_adult_remains(world, child):
    pengurus = world.kpm_own.anggota.get(is_pengurus=True)

    anggota_exit(
        anggota=pengurus, actor=world.admin, status="meninggal", on=today(), new_pengurus=child
    )

    child.refresh_from_db()
    assert child.is_pengurus


def test_a_successor_from_another_kpm_is_refused(world, father):
    pengurus = world.kpm_own.anggota.get(is_pengurus=True)
    stranger = world.kpm_graduated.anggota.get()

    with pytest.raises(DomainError, match="anggota aktif lain"):
        anggota_exit(
            anggota=pengurus, actor=world.admin, status="pindah", on=today(), new_pengurus=stranger
        )


def test_a_future_exit_date_is_refused(world, father):
    with pytest.raises(DomainError, match="sesudah hari ini"):
        anggota_exit(
            anggota=father, actor=world.admin, status="pindah", on=today() + timedelta(days=1)
        )


def test_a_member_already_gone_cannot_leave_again(world, father):
    anggota_exit(anggota=father, actor=world.admin, status="pindah", on=today())

    with pytest.raises(DomainError, match="sudah tercatat pindah"):
        anggota_exit(anggota=father, actor=world.admin, status="meninggal", on=today())


def test_a_member_of_a_kpm_out_of_scope_cannot_be_changed(world, father):
    with pytest.raises(DomainError, match="tidak berwenang"):
        anggota_exit(anggota=father, actor=world.agency, status="pindah", on=today())


def test_a_member_of_an_exited_kpm_cannot_be_changed(world, father):
    world.kpm_own.status = KpmStatus.EXITED
    world.kpm_own.save()

    with pytest.raises(DomainError, match="KPM aktif"):
        anggota_exit(anggota=father, actor=world.admin, status="pindah", on=today())


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [(date(2000, 5, 10), date(2017, 5, 9), 16), (date(2000, 5, 10), date(2017, 5, 10), 17)],
)
def test_age_counts_whole_years(born, day, age):
    assert age_on(born, day) == age
