"""Pure rules for a data subject's correction request (UU PDP No. 27/2022: a person may have
inaccurate personal data corrected). No ORM, no clock: the caller passes the member's facts as
held and today's date.

NIK, birth date and sex are kept consistent as the import keeps them (DESIGN §4: the NIK carries
the birth date, +40 on the day for women): a correction of one of them must agree with the other
two as held. Values travel as text, the way CorrectionRequest stores them: dates ISO
(YYYY-MM-DD), sex L/P, relationship by its code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from kpm.rules import nik_mismatch, nik_problem

FIELDS = ("nama", "nik", "tanggal_lahir", "jenis_kelamin", "hubungan", "alamat")  # = CHECKS
SEXES = ("L", "P")
RELATIONSHIPS = ("kepala", "istri", "suami", "anak", "orang_tua", "lainnya")
NAME_MAX, ADDRESS_MAX = 150, 255  # the columns' lengths (Anggota.nama, Kpm.alamat)
OLDEST_AGE = 120  # a birth date further back is a typing mistake
# Letters of any script, spaces and the marks names carry (Moh. Ali, Ni'mah, Siti-Aisyah).
# Each mark is followed by letters (a final dot aside), so the pattern never backtracks far.
NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ .'’,-]+[^\W\d_]+)*\.?$")


@dataclass(frozen=True)
class MemberFacts:
    """A member's correctable data as held now (alamat: their household's)."""

    nama: str
    nik: str
    tanggal_lahir: date
    jenis_kelamin: str
    hubungan: str
    alamat: str
    hamil: bool = False

    def value(self, field: str) -> str:
        """The held value of `field` as a correction request stores it."""
        held = getattr(self, field)
        return held.isoformat() if isinstance(held, date) else str(held)


def correction_normalise(field: str, raw: str) -> str:
    """The asked value as stored: spaces trimmed and collapsed; a NIK without spaces."""
    text = " ".join(raw.split())
    return text.replace(" ", "") if field == "nik" else text


def correction_problem(
    field: str,
    asked: str,
    *,
    member: MemberFacts,
    today: date,
    known_kecamatan: Container[str] | None = None,
) -> str | None:
    """Why `asked` cannot replace the member's `field`, in words a field worker understands;
    None when the request may be filed (or applied)."""
    if field not in FIELDS:
        return _("Data ini tidak dapat dikoreksi lewat permintaan.")
    if not asked:
        return _("Tulis data yang benar.")
    if asked == member.value(field):
        return _("Data yang diminta sama dengan data sekarang.")
    check = CHECKS[field]
    return check(asked, member=member, today=today, known_kecamatan=known_kecamatan)


def _name_problem(asked: str, **_facts: object) -> str | None:
    if len(asked) > NAME_MAX:
        return _("Nama paling panjang %(n)s huruf.") % {"n": NAME_MAX}
    if any(ch.isdigit() for ch in asked):
        return _("Nama tidak boleh memuat angka.")
    if not NAME_PATTERN.match(asked):
        return _("Nama hanya memuat huruf, spasi, titik, koma, tanda petik dan tanda hubung.")
    return None


def _nik_problem(
    asked: str, *, member: MemberFacts, known_kecamatan: Container[str] | None, **_facts: object
) -> str | None:
    return nik_problem(asked, known_kecamatan=known_kecamatan) or nik_mismatch(
        asked, birth_date=member.tanggal_lahir, sex=member.jenis_kelamin
    )


def _birth_problem(asked: str, *, member: MemberFacts, today: date, **_facts: object) -> str | None:
    try:
        born = date.fromisoformat(asked)
    except ValueError:
        return _("Tanggal lahir tidak terbaca; tulis seperti 31-12-1980.")
    if born > today:
        return _("Tanggal lahir tidak boleh sesudah hari ini.")
    if born.year < today.year - OLDEST_AGE:
        return _("Tanggal lahir lebih dari %(n)s tahun lalu; periksa lagi.") % {"n": OLDEST_AGE}
    return _held_nik_disagrees(member, born=born, sex=member.jenis_kelamin)


def _sex_problem(asked: str, *, member: MemberFacts, **_facts: object) -> str | None:
    if asked not in SEXES:
        return _("Pilih laki-laki atau perempuan.")
    if asked == "L" and member.hamil:
        return _("Anggota ini tercatat hamil; catat dulu persalinannya.")
    return _held_nik_disagrees(member, born=member.tanggal_lahir, sex=asked)


def _held_nik_disagrees(member: MemberFacts, *, born: date, sex: str) -> str | None:
    """A birth date or sex the held NIK contradicts: the NIK must be corrected first."""
    if nik_problem(member.nik) is not None:  # a malformed NIK held: nothing to agree with
        return None
    problem = nik_mismatch(member.nik, birth_date=born, sex=sex)
    if problem is None:
        return None
    return _("%(problem)s Bila NIK yang salah, ajukan koreksi NIK lebih dulu.") % {
        "problem": problem
    }


def _relationship_problem(asked: str, **_facts: object) -> str | None:
    return None if asked in RELATIONSHIPS else _("Pilih hubungan dalam keluarga.")


def _address_problem(asked: str, **_facts: object) -> str | None:
    if len(asked) > ADDRESS_MAX:
        return _("Alamat paling panjang %(n)s huruf.") % {"n": ADDRESS_MAX}
    return None


CHECKS: dict[str, Callable[..., str | None]] = {
    "nama": _name_problem,
    "nik": _nik_problem,
    "tanggal_lahir": _birth_problem,
    "jenis_kelamin": _sex_problem,
    "hubungan": _relationship_problem,
    "alamat": _address_problem,
}
