"""Reads for correction requests: the lists a Dinsos officer decides from and a pendamping follows,
one member's requests, and the values as a person reads them (a NIK masked unless the page's
user works with the full number)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from kpm.models import (
    Anggota,
    CorrectionField,
    CorrectionRequest,
    CorrectionStatus,
    Relationship,
    Sex,
)
from kpm.rules import mask_nik

DECIDED_SHOWN = 50  # the latest decisions listed under the open requests


def _listed(user: Any) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.visible_to(user).select_related(
        "anggota__kpm__desa", "requested_by", "decided_by"
    )


def corrections_open(user: Any) -> QuerySet[CorrectionRequest]:
    """Requests in the user's scope waiting for a decision, the oldest first."""
    return _listed(user).filter(status=CorrectionStatus.SUBMITTED).order_by("requested_at", "id")


def corrections_decided(user: Any) -> list[CorrectionRequest]:
    """The latest decided requests in the user's scope."""
    decided = _listed(user).exclude(status=CorrectionStatus.SUBMITTED)
    return list(decided.order_by("-decided_at", "-id")[:DECIDED_SHOWN])


def corrections_of_member(member: Anggota) -> list[CorrectionRequest]:
    """Every request about one member, the newest first."""
    found = CorrectionRequest.objects.filter(anggota=member).select_related(
        "requested_by", "decided_by"
    )
    return list(found.order_by("-requested_at", "-id"))


def correction_for_page(user: Any, pk: int) -> CorrectionRequest:
    """One request the user may see (404 otherwise: pengguna.scoping)."""
    from pengguna.scoping import get_visible_or_404

    return get_visible_or_404(
        CorrectionRequest.objects.select_related(
            "anggota__kpm__pendamping__user", "anggota__kpm__desa", "requested_by", "decided_by"
        ),
        user,
        pk=pk,
    )


def shown_value(field: str, value: str, *, full_nik: bool) -> str:
    """A stored value as a person reads it: labels for codes, dates as 31-12-1980, a NIK masked
    unless `full_nik`."""
    if field == CorrectionField.NIK:
        return value if full_nik else mask_nik(value)
    if field == CorrectionField.JENIS_KELAMIN:
        return str(Sex(value).label) if value in Sex.values else value
    if field == CorrectionField.HUBUNGAN:
        return str(Relationship(value).label) if value in Relationship.values else value
    if field == CorrectionField.TANGGAL_LAHIR:
        try:
            return date.fromisoformat(value).strftime("%d-%m-%Y")
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class CorrectionRow:
    """A request with its values ready to show."""

    correction: CorrectionRequest
    now: str
    asked: str


def correction_rows(
    corrections: Iterable[CorrectionRequest], *, full_nik: bool = False
) -> list[CorrectionRow]:
    """Rows for a table; lists show a NIK masked (full_nik stays False there)."""
    return [
        CorrectionRow(
            correction=c,
            now=shown_value(c.field, c.value_now, full_nik=full_nik),
            asked=shown_value(c.field, c.value_asked, full_nik=full_nik),
        )
        for c in corrections
    ]
