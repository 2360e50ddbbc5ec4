"""The commitment grid: one field per member that owes a commitment in the month."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
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


def version_name(anggota_id: int) -> str:
    return f"versi_{anggota_id}"


def data_with(data: Mapping[str, Any], values: Mapping[str, str]) -> QueryDict:
    """A copy of a bound form's data with some values replaced (a conflict's versions)."""
    copied = data.copy() if isinstance(data, QueryDict) else QueryDict(mutable=True)
    if not isinstance(data, QueryDict):
        copied.update(data)
    for name, value in values.items():
        copied[name] = value  # replaces; QueryDict.update would append
    return copied


class CommitmentGridForm(forms.Form):
    """School members get an attendance percentage, health members a yes/no; a field left
    empty means not verified yet. Hidden: the submission's key (a resent or replayed form
    saves once) and, per member, the version of the month the form was opened on."""

    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, rows: list[CommitmentRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.initial.setdefault("idempotency_key", uuid.uuid4())
        for row in rows:
            self.fields[field_name(row.anggota.pk)] = self._field(row)
            self.fields[version_name(row.anggota.pk)] = forms.CharField(
                required=False, max_length=32, initial=row.version, widget=forms.HiddenInput
            )

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
    def lines(self) -> list[tuple[CommitmentRow, forms.BoundField, forms.BoundField]]:
        """Each grid row with its field and its hidden base version, in the grid's order."""
        return [
            (row, self[field_name(row.anggota.pk)], self[version_name(row.anggota.pk)])
            for row in self.rows
        ]

    def base_versions(self) -> dict[int, str] | None:
        """The versions the form was opened on, by anggota id; None from a form without them."""
        names = {row.anggota.pk: version_name(row.anggota.pk) for row in self.rows}
        if not any(name in self.data for name in names.values()):
            return None
        return {pk: self.cleaned_data.get(name) or "" for pk, name in names.items()}

    def take_versions(self, versions: dict[str, str]) -> None:
        """After a conflict: carry the server's current versions, so saving again keeps the
        values shown in the form."""
        self.data = data_with(self.data, versions)

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
