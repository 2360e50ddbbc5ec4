"""The form a Dinsos officer uses on the caseload page to move ticked KPM to a pendamping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kpm.services.caseload import REASSIGN_MAX
from pendamping.models import Pendamping
from pengguna.models import User


class KpmIdsField(forms.Field):
    """The kpm_id of every ticked row (checkboxes named kpm_ids), without repeats."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Centang paling sedikit satu KPM di daftar."),
        "too_many": _("Paling banyak %(n)s KPM sekali pindah; pindahkan bertahap."),
        "invalid": _("Daftar KPM yang dicentang tidak terbaca; muat ulang halaman."),
    }

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        ids = list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
        if any(len(i) > 32 for i in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > REASSIGN_MAX:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"n": REASSIGN_MAX}
            )


class PendampingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.user.get_username()})"


class ReassignForm(forms.Form):
    """Ticked KPM and the active pendamping of the officer's region they move to."""

    kpm_ids = KpmIdsField()
    pendamping = PendampingChoiceField(
        label=_("Pindahkan KPM yang dicentang ke pendamping"),
        queryset=Pendamping.objects.none(),
        empty_label=_("Pilih pendamping"),
        error_messages={
            "required": _("Pilih pendamping tujuan."),
            "invalid_choice": _("Pendamping itu tidak ada di wilayah Anda atau tidak aktif."),
        },
    )
    kembali = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        # Ids apart from the filter form's on the same page, which also has a "pendamping".
        kwargs.setdefault("auto_id", "pindah_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["pendamping"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Pendamping.objects.visible_to(user).filter(is_active=True).select_related("user")
        )
