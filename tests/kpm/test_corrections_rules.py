"""Pure rules for correction requests: table-driven, no database. A value is refused in words a
field worker understands; NIK, birth date and sex stay consistent with each other."""

from __future__ import annotations

from datetime import date

import pytest

from kpm.rules_corrections import MemberFacts, correction_normalise, correction_problem

TODAY = date(2026, 11, 24)
MOTHER = MemberFacts(
    nama="Siti Aminah",
    nik="3571015808780002",  # 18-08-1978, a woman (58 = 18 + 40)
    tanggal_lahir=date(1978, 8, 18),
    jenis_kelamin="P",
    hubungan="istri",
    alamat="Jl. Uji 1",
)
KNOWN = {"357101", "357103"}


def problem(field: str, asked: str, member: MemberFacts = MOTHER) -> str | None:
    return correction_problem(field, asked, member=member, today=TODAY, known_kecamatan=KNOWN)


@pytest.mark.parametrize(
    ("field", "asked"),
    [
        ("nama", "Siti Aminah Rahayu"),
        ("nama", "Moh. Ali"),
        ("nama", "Ni'mah"),
        ("nama", "Siti-Aisyah"),
        ("nama", "Dra. Hj. Siti"),
        ("nik", "3571015808780003"),  # another serial: the same birth date and sex
        ("nik", "3571035808780002"),  # another known kecamatan
        ("hubungan", "kepala"),
        ("alamat", "Jl. Pahlawan No. 5, RT 02/RW 03"),
    ],
)
def test_a_sound_correction_may_be_filed(field, asked):
    assert problem(field, asked) is None


@pytest.mark.parametrize(
    ("field", "asked", "message"),
    [
        ("nama", "", "Tulis data yang benar."),
        ("nama", "Siti Aminah", "Data yang diminta sama dengan data sekarang."),
        ("nama", "Siti 2", "Nama tidak boleh memuat angka."),
        ("nama", "Siti; DROP", "Nama hanya memuat huruf"),
        ("nama", "S" * 151, "Nama paling panjang 150 huruf."),
        ("nik", "357101580878000", "NIK harus 16 angka (tertulis 15 karakter)."),
        ("nik", "35710158087800AB", "NIK harus 16 angka"),
        ("nik", "9999015808780002", "bukan kode kecamatan yang dikenal"),
        ("nik", "3571019908780002", "bukan tanggal yang ada"),
        ("nik", "3571015808780000", "tidak boleh 0000"),
        ("nik", "3571011808780002", "Untuk perempuan, tanggal lahir di NIK ditambah 40"),
        ("nik", "3571015908780002", "tidak cocok dengan tanggal di NIK"),
        ("tanggal_lahir", "18-08-1978", "Tanggal lahir tidak terbaca"),
        ("tanggal_lahir", "2026-11-25", "Tanggal lahir tidak boleh sesudah hari ini."),
        ("tanggal_lahir", "1900-01-01", "lebih dari 120 tahun lalu"),
        ("tanggal_lahir", "1978-08-19", "ajukan koreksi NIK lebih dulu"),
        ("jenis_kelamin", "X", "Pilih laki-laki atau perempuan."),
        ("jenis_kelamin", "L", "ajukan koreksi NIK lebih dulu"),
        ("hubungan", "tetangga", "Pilih hubungan dalam keluarga."),
        ("alamat", "J" * 256, "Alamat paling panjang 255 huruf."),
        ("pendamping", "siapa saja", "tidak dapat dikoreksi"),
    ],
)
def test_an_unsound_correction_is_refused_in_indonesian(field, asked, message):
    found = problem(field, asked)
    assert found is not None and message in found


def test_a_birth_date_the_nik_agrees_with_may_be_filed():
    member = MemberFacts(**{**MOTHER.__dict__, "tanggal_lahir": date(1978, 8, 17)})
    assert problem("tanggal_lahir", "1978-08-18", member) is None


def test_a_sex_the_nik_agrees_with_may_be_filed():
    member = MemberFacts(**{**MOTHER.__dict__, "jenis_kelamin": "L"})
    assert problem("jenis_kelamin", "P", member) is None


def test_a_pregnant_member_is_not_made_a_man():
    member = MemberFacts(**{**MOTHER.__dict__, "nik": "3571011808780002", "hamil": True})
    found = problem("jenis_kelamin", "L", member)
    assert found is not None and "tercatat hamil" in found


def test_a_malformed_nik_held_does_not_block_a_birth_date_correction():
    member = MemberFacts(**{**MOTHER.__dict__, "nik": "12345"})
    assert problem("tanggal_lahir", "1978-08-19", member) is None


@pytest.mark.parametrize(
    ("field", "raw", "stored"),
    [
        ("nama", "  Siti   Aminah ", "Siti Aminah"),
        ("nik", "3571 0158 0878 0003", "3571015808780003"),
        ("alamat", "Jl.  Uji\n2", "Jl. Uji 2"),
        ("hubungan", "anak", "anak"),
    ],
)
def test_values_are_stored_trimmed(field, raw, stored):
    assert correction_normalise(field, raw) == stored


def test_the_held_value_of_a_date_is_iso():
    assert MOTHER.value("tanggal_lahir") == "1978-08-18"
