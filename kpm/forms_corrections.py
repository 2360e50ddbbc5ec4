"""Forms for correction requests: the new value (its input fits the data corrected: a date picker,
a choice, a number pad for a NIK), the reason; and the officer's decision. They check what can be
checked at once; the service decides, and its refusals land beside the value or the reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kpm.forms_household import CaseForm, day_field
from kpm.models import CorrectionField, Relationship, Sex
from kpm.rules_corrections import ADDRESS_MAX, NAME_MAX

REQUIRED = {"required": _("Isi data yang benar.")}


def _value_field(field: str) -> forms.Field:
    label = _("Data yang benar")
    match field:
        case CorrectionField.NIK:
            return forms.CharField(
                label=label,
                max_length=32,
                error_messages=REQUIRED,
                help_text=_("16 angka, seperti tertulis di KTP atau KK."),
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            )
        case CorrectionField.TANGGAL_LAHIR:
            return day_field(label, help_text=_("Seperti tertulis di akta kelahiran atau KK."))
        case CorrectionField.JENIS_KELAMIN:
            return forms.ChoiceField(
                label=label,
                choices=Sex.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Pilih jenis kelamin.")},
            )
        case CorrectionField.HUBUNGAN:
            return forms.ChoiceField(
                label=label,
                choices=[("", "—"), *Relationship.choices],
                error_messages={"required": _("Pilih hubungan dalam keluarga.")},
            )
        case CorrectionField.ALAMAT:
            return forms.CharField(label=label, max_length=ADDRESS_MAX, error_messages=REQUIRED)
    return forms.CharField(label=label, max_length=NAME_MAX, error_messages=REQUIRED)


class CorrectionForm(CaseForm):
    """What the person says is right, and why (e.g. the document that shows it)."""

    error_fields = {"value": "nilai", "reason": "alasan"}

    alasan = forms.CharField(
        label=_("Alasan dan bukti"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mis. nama di KTP tertulis Siti Aminah; KK nomor ... sudah dilihat."),
        error_messages={"required": _("Tulis alasan permintaan koreksi.")},
    )

    def __init__(self, *args: Any, field: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"nilai": _value_field(field), "alasan": self.fields["alasan"]}
        if field == CorrectionField.TANGGAL_LAHIR:
            self.set_max_today("nilai")

    def value(self) -> str:
        """The new value as text, the way the request stores it (a date ISO)."""
        value = self.cleaned_data["nilai"]
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


class DecisionForm(CaseForm):
    """The officer's note: optional on approval, the reason on rejection (the service checks)."""

    error_fields = {"note": "catatan"}

    catatan = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
