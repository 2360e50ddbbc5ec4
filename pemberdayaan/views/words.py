"""Fall-back risk reasons and tahap in plain words, as the pages show them. Money and dates are
written as graduasi.reasons writes them; a reason not understood gets a neutral sentence."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from graduasi.reasons import long_date
from pemberdayaan.rules import RiskCode, Tahap
from pengguna.templatetags.humanize_id import rupiah


def _income_below(values: Mapping[str, Any]) -> str:
    multiplier = formats.number_format(
        Decimal(str(values["multiplier"])), decimal_pos=2, use_l10n=True
    )
    return _(
        "Pendapatan per anggota %(income)s di bawah garis kemiskinan %(line)s × %(multiplier)s "
        "(tindak lanjut %(on)s)"
    ) % {
        "income": rupiah(int(values["income_per_member"])),
        "line": rupiah(int(values["line"])),
        "multiplier": multiplier,
        "on": long_date(values["on"]),
    }


def _desil_low(values: Mapping[str, Any]) -> str:
    return _("Desil DTSEN %(desil)s tercatat %(on)s (berisiko bila %(max)s atau kurang)") % {
        "desil": int(values["desil"]),
        "on": long_date(values["on"]),
        "max": int(values["max"]),
    }


SENTENCES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    RiskCode.INCOME_BELOW_LINE: _income_below,
    RiskCode.DESIL_LOW: _desil_low,
}


def risk_sentence(reason: object) -> str:
    """One plain sentence for one stored risk reason."""
    try:
        if isinstance(reason, Mapping):
            build = SENTENCES.get(str(reason.get("code")))
            if build is not None:
                return build(reason)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        pass
    return _("Alasan lain tercatat")


def risk_sentences(reasons: object) -> list[str]:
    """The stored reasons of a KPM's risk flag, one sentence each, in their stored order."""
    return [risk_sentence(r) for r in reasons] if isinstance(reasons, list | tuple) else []


def tahap_label(tahap: Tahap) -> str:
    """Tahap 4 2026."""
    return _("Tahap %(number)s %(year)s") % {"number": tahap.number, "year": tahap.year}
