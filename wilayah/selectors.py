"""Reads of regions and poverty lines."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q

from wilayah.models import PovertyLine


def poverty_line_on(provinsi_code: str, on: date) -> int | None:
    """The line in force for a province on a date, falling back to the national line."""
    row = (
        PovertyLine.objects.filter(Q(provinsi_id=provinsi_code) | Q(provinsi__isnull=True))
        .filter(valid_from__lte=on)
        .order_by(models.F("provinsi_id").asc(nulls_last=True), "-valid_from")
        .values_list("amount", flat=True)
        .first()
    )
    return row
