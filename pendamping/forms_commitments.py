"""The commitment grid: one field per member that owes a commitment in the month."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pendamping.rules import Commitment, CommitmentFact
from pendamping.selectors import CommitmentRow

YES, NO = "ya", "tidak"
CHECKUP_CHOICES = [(YES, _("Sudah diperiksa")), (NO, _("Tidak diperiksa"))]
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def month_parse(text: str) -> date | None:
    """A `YYYY-MM` month as its first day, or None when it is not one."""
    found = MONTH_PATTERN.match(text.strip())
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 2000:
        return None
    return date(int(found[1]), int(found[2]), 1)


def field_name(anggota_id: int) -> str:
    return f"anggota_{anggota_id}"


class CommitmentGridForm(forms.Form):
    """School members get an attendance percentage, health members a yes/no; a field left
    empty means not verified yet."""

    def __init__(self, *args: Any, rows: list[CommitmentRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[field_name(row.anggota.pk)] = self._field(row)

    @staticmethod
    def _field(row: CommitmentRow) -> forms.Field:
        current = row.current
        if row.kind == Commitment.SCHOOL:
            return forms.IntegerField(
                label=_("Kehadiran sekolah (%)"),
                required=False,
                min_value=0,
                max_value=100,
                initial=current.attendance_pct if current else None,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                error_messages={
                    "invalid": _("Tulis angka bulat tanpa tanda persen, mis. 90."),
                    "min_value": _("Kehadiran paling kecil %(limit_value)s%%."),
                    "max_value": _("Kehadiran paling besar %(limit_value)s%%."),
                },
            )
        initial = None if current is None else (YES if current.checkup_done else NO)
        return forms.ChoiceField(
            label=_("Pemeriksaan kesehatan bulan ini"),
            required=False,
            choices=CHECKUP_CHOICES,
            initial=initial,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": _("Pilih sudah atau tidak diperiksa.")},
        )

    @property
    def lines(self) -> list[tuple[CommitmentRow, forms.BoundField]]:
        """Each grid row with its field, in the grid's order."""
        return [(row, self[field_name(row.anggota.pk)]) for row in self.rows]

    def entries(self) -> dict[int, CommitmentFact]:
        """The cleaned facts by anggota id, for commitment_record."""
        facts = {}
        for row in self.rows:
            value = self.cleaned_data.get(field_name(row.anggota.pk))
            if row.kind == Commitment.SCHOOL:
                facts[row.anggota.pk] = CommitmentFact(attendance_pct=value)
            else:
                done = {YES: True, NO: False}.get(value or "")
                facts[row.anggota.pk] = CommitmentFact(checkup_done=done)
        return facts
