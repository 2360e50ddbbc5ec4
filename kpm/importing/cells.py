"""One data row of an import file, read cell by cell into typed values or row errors."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from kpm.importing.records import RowError

_DAY_FIRST = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(raw: str) -> date | None:
    """YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY; None when it is none of them or no real day."""
    try:
        if _ISO.match(raw):
            return date.fromisoformat(raw)
        found = _DAY_FIRST.match(raw)
        if found:
            day, month, year = (int(g) for g in found.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


class Row:
    """Cells of one line, with the errors found while reading them."""

    __slots__ = ("errors", "kpm_id", "line", "values")

    def __init__(self, line: int, cells: list[str], names: list[str]) -> None:
        """`names` holds each cell position's column name, as in the header."""
        self.line = line
        self.values = dict(zip(names, map(str.strip, cells), strict=False))
        self.errors: list[RowError] = []
        self.kpm_id = self.values.get("kpm_id", "")

    def cell(self, column: str) -> str:
        return self.values.get(column, "")

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.line, self.kpm_id, column, reason))

    def text(self, column: str, *, max_length: int, required: bool = True) -> str | None:
        value = self.cell(column)
        if required and not value:
            self.fail(column, _("Wajib diisi."))
            return None
        if len(value) > max_length:
            self.fail(column, _("Terlalu panjang: paling banyak %(n)s huruf.") % {"n": max_length})
            return None
        return value

    def day(self, column: str, *, required: bool, not_after: date | None) -> date | None:
        raw = self.cell(column)
        if not raw:
            if required:
                self.fail(column, _("Wajib diisi (tanggal, mis. 2024-03-01)."))
            return None
        value = parse_date(raw)
        if value is None:
            self.fail(
                column,
                _("'%(raw)s' bukan tanggal yang benar. Tulis seperti 2024-03-01 atau 01-03-2024.")
                % {"raw": raw},
            )
        elif not_after is not None and value > not_after:
            self.fail(column, _("Tanggal %(raw)s belum terjadi (setelah hari ini).") % {"raw": raw})
            return None
        return value

    def flag(self, column: str) -> bool | None:
        """1 or 0; an empty cell counts as 0."""
        raw = self.cell(column)
        if raw in ("", "0"):
            return False
        if raw == "1":
            return True
        self.fail(column, _("Isi 1 (ya) atau 0 (tidak), bukan '%(raw)s'.") % {"raw": raw})
        return None

    def choice(self, column: str, allowed: dict[str, str], shown: Any) -> str | None:
        """The stored value for a cell that must be one of `allowed` (keys are normalised)."""
        raw = self.cell(column)
        value = allowed.get(raw.lower().replace(" ", "_"))
        if value is None:
            self.fail(
                column,
                _("Harus salah satu dari: %(shown)s (tertulis '%(raw)s').")
                % {"shown": shown, "raw": raw},
            )
        return value

    def whole_number(self, column: str, *, low: int, high: int, reason: Any) -> int | None:
        raw = self.cell(column)
        if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
            return int(raw)
        self.fail(column, reason % {"raw": raw})
        return None
