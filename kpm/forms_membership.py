"""Forms for a KPM leaving PKH and for proposing waiting households. They check what can be
checked at once; kpm.services.membership decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kpm.forms_household import CaseForm, day_field, not_in_future
from kpm.models import ExitReason
from kpm.services.membership import NOTE_REQUIRED


class KpmExitForm(CaseForm):
    """Why and when the KPM leaves; a duplicate names the KPM it duplicates."""

    error_fields = {
        "reason": "reason",
        "exit_date": "tanggal",
        "note_required": "note",
        "duplicate_missing": "duplicate_of",
        "duplicate_invalid": "duplicate_of",
        "members_active": "reason",
    }

    reason = forms.ChoiceField(
        label=_("Alasan keluar"),
        choices=ExitReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih alasan keluar.")},
    )
    tanggal = day_field(_("Tanggal keluar"))
    duplicate_of = forms.CharField(
        label=_("ID KPM yang sama (untuk data ganda)"),
        max_length=32,
        required=False,
        help_text=_("KPM yang tetap dipakai; isi hanya bila alasannya data ganda."),
    )
    note = forms.CharField(
        label=_("Keterangan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wajib untuk 'tidak memenuhi syarat' dan 'data ganda'."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_max_today("tanggal")

    def clean_tanggal(self) -> Any:
        return not_in_future(self.cleaned_data["tanggal"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reason = data.get("reason")
        if reason in NOTE_REQUIRED and not data.get("note", "").strip():
            self.add_error("note", _("Tulis keterangan untuk alasan ini."))
        if reason == ExitReason.DUPLICATE and not data.get("duplicate_of", "").strip():
            self.add_error("duplicate_of", _("Isi ID KPM lain yang datanya sama."))
        return data


class EnrolmentProposeForm(CaseForm):
    """How many of the next waiting households to propose, and why."""

    error_fields = {"count": "count", "no_quota": "", "none_waiting": "", "conflict": ""}

    count = forms.IntegerField(
        label=_("Jumlah rumah tangga yang diusulkan"),
        error_messages={
            "required": _("Isi jumlah rumah tangga."),
            "invalid": _("Isi angka bulat, mis. 25."),
        },
    )
    note = forms.CharField(
        label=_("Catatan usulan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, open_places: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["count"].widget.attrs.update({"min": 1, "max": max(open_places, 1)})
