"""Tests of life after graduation: referrals, follow-ups and the fall-back risk.

Shared helpers: a KPM graduated on a given day the way an approval leaves it (date, type, last
tahap paid, referrals, follow-ups at 6 and 12 months)."""

from __future__ import annotations

from datetime import date

from graduasi.rules import tahap_of
from kpm.models import GraduationType, Kpm, KpmStatus
from pemberdayaan.models import FollowUp, Programme, Referral
from pemberdayaan.services.handover import graduation_handover


def graduate(
    kpm: Kpm,
    on: date,
    *,
    actor,
    codes: tuple[str, ...] = (),
    type: str = GraduationType.MANDIRI,
) -> tuple[list[Referral], list[FollowUp]]:
    """Graduate `kpm` on `on` as an approval does, referred to the programmes `codes`."""
    kpm.status, kpm.graduated_on, kpm.graduation_type = KpmStatus.GRADUATED, on, type
    kpm.last_paid_year, kpm.last_paid_tahap = on.year, tahap_of(on)
    kpm.save()
    programmes = list(Programme.objects.filter(code__in=codes).order_by("position"))
    return graduation_handover(
        kpm_pk=kpm.pk, graduated_on=on, programmes=programmes, consent_on=on if codes else None,
        consent_by=actor, proposal=None, actor=actor,
    )  # fmt: skip
