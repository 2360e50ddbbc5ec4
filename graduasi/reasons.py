"""The reasons of a stored graduation assessment in plain words: one sentence per reason, as
graduasi.rules.Reason.as_json() stores it (dates as ISO text, the multiplier as text).

Money is written the Indonesian way in every language (Rp1.234.567), dates in long form with
the active language's month names (1 Juli 2026 / 1 July 2026). A reason this module does not
know, or whose values are not what it expects, gets a neutral sentence, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from graduasi.rules import Code
from pengguna.templatetags.humanize_id import rupiah

Values = Mapping[str, Any]


def long_date(value: date | str) -> str:
    """A date in long form: 3 Maret 2026."""
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return formats.date_format(day, "j F Y")


def _multiplier(value: Decimal | str | float) -> str:
    return formats.number_format(Decimal(str(value)), decimal_pos=2, use_l10n=True)


def _no_component(values: Values) -> str:
    if values.get("since"):
        return _("Tidak ada komponen lagi sejak %(since)s") % {"since": long_date(values["since"])}
    return _("Tidak ada komponen lagi")


def _has_components(values: Values) -> str:
    count = int(values["count"])
    return ngettext(
        "Masih ada %(count)s komponen, %(yearly)s per tahun",
        "Masih ada %(count)s komponen, %(yearly)s per tahun",
        count,
    ) % {"count": count, "yearly": rupiah(int(values["yearly"]))}


def _income(values: Values) -> dict[str, str]:
    return {
        "income": rupiah(int(values["income_per_member"])),
        "line": rupiah(int(values["line"])),
        "multiplier": _multiplier(values["multiplier"]),
        "assessed_on": long_date(values["assessed_on"]),
    }


def _income_at_or_above(values: Values) -> str:
    return _(
        "Pendapatan per anggota %(income)s ≥ garis kemiskinan %(line)s × %(multiplier)s "
        "(asesmen %(assessed_on)s), penghasilan tetap"
    ) % _income(values)


def _income_not_stable(values: Values) -> str:
    return _(
        "Pendapatan per anggota %(income)s ≥ garis kemiskinan %(line)s × %(multiplier)s "
        "(asesmen %(assessed_on)s), tetapi penghasilan tidak tetap"
    ) % _income(values)


def _income_below(values: Values) -> str:
    return _(
        "Pendapatan per anggota %(income)s di bawah garis kemiskinan %(line)s × "
        "%(multiplier)s (asesmen %(assessed_on)s)"
    ) % _income(values)


def _assessment_stale(values: Values) -> str:
    months = int(values["max_age_months"])
    return ngettext(
        "Asesmen ekonomi terakhir %(assessed_on)s sudah lebih dari %(months)s bulan",
        "Asesmen ekonomi terakhir %(assessed_on)s sudah lebih dari %(months)s bulan",
        months,
    ) % {"assessed_on": long_date(values["assessed_on"]), "months": months}


def _desil_above(values: Values) -> str:
    return _("Desil DTSEN %(desil)s di atas batas desil %(ceiling)s") % {
        "desil": int(values["desil"]),
        "ceiling": int(values["ceiling"]),
    }


def _desil_within(values: Values) -> str:
    return _("Desil DTSEN %(desil)s belum di atas batas desil %(ceiling)s") % {
        "desil": int(values["desil"]),
        "ceiling": int(values["ceiling"]),
    }


def _years(values: Values) -> dict[str, Any]:
    return {
        "years": int(values["max_years"]),
        "entry": long_date(values["entry_date"]),
        "reached": long_date(values["reached_on"]),
    }


def _years_reached(values: Values) -> str:
    years = _years(values)
    return (
        ngettext(
            "Sudah %(years)s tahun di PKH sejak %(entry)s (tercapai %(reached)s)",
            "Sudah %(years)s tahun di PKH sejak %(entry)s (tercapai %(reached)s)",
            years["years"],
        )
        % years
    )


def _years_below(values: Values) -> str:
    years = _years(values)
    return (
        ngettext(
            "Belum %(years)s tahun di PKH: masuk %(entry)s, genap %(years)s tahun pada %(reached)s",
            "Belum %(years)s tahun di PKH: masuk %(entry)s, genap %(years)s tahun pada %(reached)s",
            years["years"],
        )
        % years
    )


SENTENCES: dict[str, Callable[[Values], str]] = {
    Code.NO_COMPONENT: _no_component,
    Code.HAS_COMPONENTS: _has_components,
    Code.INCOME_AT_OR_ABOVE_LINE: _income_at_or_above,
    Code.INCOME_NOT_STABLE: _income_not_stable,
    Code.INCOME_BELOW_LINE: _income_below,
    Code.ASSESSMENT_STALE: _assessment_stale,
    Code.NO_ASSESSMENT: lambda values: _("Belum ada asesmen ekonomi"),
    Code.NO_POVERTY_LINE: lambda values: _("Garis kemiskinan provinsi belum tercatat"),
    Code.DESIL_ABOVE_CEILING: _desil_above,
    Code.DESIL_WITHIN_CEILING: _desil_within,
    Code.NO_DESIL: lambda values: _("Belum ada desil DTSEN"),
    Code.YEARS_IN_PKH_REACHED: _years_reached,
    Code.YEARS_IN_PKH_BELOW: _years_below,
}


def reason_sentence(reason: Mapping[str, Any]) -> str:
    """One plain sentence for one stored reason; a neutral one for what is not understood."""
    try:
        build = SENTENCES.get(str(reason.get("code")))
        values = reason.get("values") or {}
        if build is not None and isinstance(values, Mapping):
            return build(values)
    except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError):
        pass
    return _("Alasan lain tercatat pada asesmen")


@dataclass(frozen=True)
class ReasonLine:
    """A reason as the pages show it: its sentence, whether it holds, the status it supports."""

    code: str
    sentence: str
    holds: bool
    status: str


def reason_lines(reasons: object) -> list[ReasonLine]:
    """The stored reasons of an assessment as lines, in their stored order."""
    lines = []
    for reason in reasons if isinstance(reasons, list | tuple) else ():
        if not isinstance(reason, Mapping):
            reason = {}
        lines.append(
            ReasonLine(
                code=str(reason.get("code", "")),
                sentence=reason_sentence(reason),
                holds=reason.get("holds") is True,
                status=str(reason.get("status", "")),
            )
        )
    return lines
