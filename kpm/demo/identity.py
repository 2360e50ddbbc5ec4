"""Identity numbers for demo people: NIK and No KK in the Dukcapil layout (DESIGN §4)."""

from __future__ import annotations

from datetime import date

from kpm.rules import FEMALE_DAY_OFFSET


def nik_birth_part(birth_date: date, sex: str) -> str:
    """DDMMYY of birth as a NIK carries it: 40 added to the day for women."""
    day = birth_date.day + (FEMALE_DAY_OFFSET if sex == "P" else 0)
    return f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"


def nik_make(kecamatan_prefix: str, birth_date: date, sex: str, serial: int) -> str:
    """A structurally valid NIK; `serial` (1-9999) tells apart people born the same day."""
    if not 1 <= serial <= 9999:
        raise ValueError(f"NIK serial {serial} is outside 1-9999")
    if len(kecamatan_prefix) != 6 or not kecamatan_prefix.isdigit():
        raise ValueError(f"kecamatan prefix {kecamatan_prefix!r} is not six digits")
    return f"{kecamatan_prefix}{nik_birth_part(birth_date, sex)}{serial:04d}"


def no_kk_make(kecamatan_prefix: str, issued_on: date, serial: int) -> str:
    """A No KK: kecamatan prefix, DDMMYY of issue, then a 4-digit serial."""
    if not 1 <= serial <= 9999:
        raise ValueError(f"No KK serial {serial} is outside 1-9999")
    return f"{kecamatan_prefix}{issued_on:%d%m%y}{serial:04d}"


class SerialCounter:
    """Hands out the next free 4-digit serial per 12-digit head (prefix + date part)."""

    def __init__(self, taken: frozenset[str] = frozenset()) -> None:
        self._next: dict[str, int] = {}
        self._taken = taken

    def number(self, head: str) -> str:
        """`head` followed by the lowest serial not yet handed out (nor already taken)."""
        serial = self._next.get(head, 1)
        number = f"{head}{serial:04d}"
        while self._taken and number in self._taken:
            serial += 1
            number = f"{head}{serial:04d}"
        if serial > 9999:
            raise ValueError(f"no serial left for {head}")
        self._next[head] = serial + 1
        return number
