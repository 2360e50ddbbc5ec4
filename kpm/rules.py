"""Pure rules about identity numbers (DESIGN §4). No ORM, no clock: the caller passes facts.

NIK: 6 digits of the registering kecamatan, DDMMYY of birth (40 added to the day for women),
then a 4-digit serial that is never 0000. No KK: 16 digits, the first 6 a kecamatan code.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

FEMALE_DAY_OFFSET = 40  # Dukcapil: 40 is added to the birth day of women.


@dataclass(frozen=True)
class NikInfo:
    kecamatan_prefix: str
    day: int
    month: int
    year2: int
    sex: str  # "L" or "P"
    serial: str


def _is_valid_day(day: int, month: int, year2: int) -> bool:
    for century in (1900, 2000):
        try:
            date(century + year2, month, day)
        except ValueError:
            continue
        return True
    return False


def nik_problem(nik: str, *, known_kecamatan: Container[str] | None = None) -> str | None:
    """Why `nik` is not a valid NIK, in words a field worker understands; None when valid."""
    if not nik.isdigit() or len(nik) != 16:
        return _("NIK harus 16 angka (tertulis %(n)s karakter).") % {"n": len(nik)}
    if known_kecamatan is not None and nik[:6] not in known_kecamatan:
        return _("6 angka pertama NIK (%(p)s) bukan kode kecamatan yang dikenal.") % {"p": nik[:6]}
    day, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > FEMALE_DAY_OFFSET:
        day -= FEMALE_DAY_OFFSET
    if not 1 <= month <= 12 or not _is_valid_day(day, month, year2):
        return _("Tanggal lahir di dalam NIK (angka 7-12: %(d)s) bukan tanggal yang ada.") % {
            "d": nik[6:12]
        }
    if nik[12:] == "0000":
        return _("4 angka terakhir NIK tidak boleh 0000.")
    return None


def nik_parse(nik: str) -> NikInfo:
    """The facts a valid NIK carries. Call only after nik_problem() returned None."""
    raw_day = int(nik[6:8])
    female = raw_day > FEMALE_DAY_OFFSET
    return NikInfo(
        kecamatan_prefix=nik[:6],
        day=raw_day - FEMALE_DAY_OFFSET if female else raw_day,
        month=int(nik[8:10]),
        year2=int(nik[10:12]),
        sex="P" if female else "L",
        serial=nik[12:],
    )


def nik_mismatch(nik: str, *, birth_date: date, sex: str) -> str | None:
    """Why a valid NIK disagrees with the person's birth date or sex; None when they agree."""
    info = nik_parse(nik)
    if info.sex != sex:
        if sex == "P":
            return _("Untuk perempuan, tanggal lahir di NIK ditambah 40 (NIK ini untuk laki-laki).")
        return _("NIK ini untuk perempuan (tanggal +40), tetapi jenis kelamin tertulis laki-laki.")
    if (info.day, info.month, info.year2) != (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    ):
        return _("Tanggal lahir %(b)s tidak cocok dengan tanggal di NIK (%(d)s).") % {
            "b": birth_date.strftime("%d-%m-%Y"),
            "d": f"{info.day:02d}-{info.month:02d}-{info.year2:02d}",
        }
    return None


def no_kk_problem(no_kk: str, *, known_kecamatan: Container[str] | None = None) -> str | None:
    """Why `no_kk` is not a valid No KK; None when valid."""
    if not no_kk.isdigit() or len(no_kk) != 16:
        return _("No KK harus 16 angka (tertulis %(n)s karakter).") % {"n": len(no_kk)}
    if known_kecamatan is not None and no_kk[:6] not in known_kecamatan:
        return _("6 angka pertama No KK (%(p)s) bukan kode kecamatan yang dikenal.") % {
            "p": no_kk[:6]
        }
    return None


def mask_nik(nik: str) -> str:
    """A NIK as shown where the full number is not needed: region and serial hidden."""
    if len(nik) != 16:
        return "*" * len(nik)
    return f"{nik[:4]}********{nik[12:]}"
