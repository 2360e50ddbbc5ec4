"""NIK and No KK rules, table-driven, no database."""

from datetime import date

import pytest

from kpm.rules import mask_nik, nik_mismatch, nik_parse, nik_problem, no_kk_problem

KNOWN = {"357101", "357102", "357103", "350601"}


@pytest.mark.parametrize(
    ("nik", "problem_contains"),
    [
        ("3571011005740001", None),  # man born 10-05-1974
        ("3571015808780002", None),  # woman born 18-08-1978: 18 + 40 = 58
        ("3571017101000003", None),  # woman born 31-01-2000: 31 + 40 = 71
        ("3571012902000004", None),  # 29 Feb 2000 exists
        ("357101100574001", "16 angka"),  # 15 digits
        ("35710110057400011", "16 angka"),  # 17 digits
        ("35710110057400A1", "16 angka"),  # a letter
        ("3599011005740001", "bukan kode kecamatan"),  # unknown region prefix 359901
        ("3571013202800001", "bukan tanggal"),  # 32 Feb
        ("3571017202800001", "bukan tanggal"),  # woman, day 72 - 40 = 32
        ("3571011013800001", "bukan tanggal"),  # month 13
        ("3571013102800001", "bukan tanggal"),  # 31 Feb
        ("3571010000800001", "bukan tanggal"),  # day 00
        ("3571011005740000", "0000"),  # serial 0000
    ],
)
def test_nik_problem(nik, problem_contains):
    problem = nik_problem(nik, known_kecamatan=KNOWN)
    if problem_contains is None:
        assert problem is None
    else:
        assert problem is not None and problem_contains in problem


def test_nik_region_is_not_checked_without_a_list():
    assert nik_problem("3599011005740001") is None


@pytest.mark.parametrize(
    ("nik", "birth", "sex", "problem_contains"),
    [
        ("3571011005740001", date(1974, 5, 10), "L", None),
        ("3571015808780002", date(1978, 8, 18), "P", None),
        ("3571015808780002", date(1978, 8, 18), "L", "perempuan"),  # +40 day but marked man
        ("3571011005740001", date(1974, 5, 10), "P", "ditambah 40"),  # woman without +40
        ("3571011005740001", date(1974, 5, 11), "L", "tidak cocok"),  # day differs
        ("3571011005740001", date(1975, 5, 10), "L", "tidak cocok"),  # year differs
        ("3571011005740001", date(2074, 5, 10), "L", None),  # only YY is in a NIK
    ],
)
def test_nik_mismatch(nik, birth, sex, problem_contains):
    problem = nik_mismatch(nik, birth_date=birth, sex=sex)
    if problem_contains is None:
        assert problem is None
    else:
        assert problem is not None and problem_contains in problem


def test_nik_parse_reads_woman_day_minus_40():
    info = nik_parse("3571015808780002")
    assert (info.kecamatan_prefix, info.day, info.month, info.year2, info.sex, info.serial) == (
        "357101",
        18,
        8,
        78,
        "P",
        "0002",
    )


@pytest.mark.parametrize(
    ("no_kk", "problem_contains"),
    [
        ("3571012005100001", None),
        ("357101200510000", "16 angka"),
        ("3571012005100001 ", "16 angka"),
        ("3599012005100001", "bukan kode kecamatan"),
    ],
)
def test_no_kk_problem(no_kk, problem_contains):
    problem = no_kk_problem(no_kk, known_kecamatan=KNOWN)
    if problem_contains is None:
        assert problem is None
    else:
        assert problem is not None and problem_contains in problem


def test_mask_nik_hides_the_middle():
    assert mask_nik("3571015808780002") == "3571********0002"
    assert mask_nik("123") == "***"
