"""Forms of the P2K2 pages: a new group, its members, a planned meeting, the roll-call."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kpm.models import Kpm
from pendamping.forms_commitments import data_with
from pendamping.models import AttendanceStatus, P2k2Group, P2k2Meeting, P2k2Session, Pendamping
from pendamping.selectors import (
    p2k2_candidates,
    p2k2_caseload_desa,
    p2k2_member_choices,
    p2k2_modules,
    roll_version,
)
from wilayah.models import Desa

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]
DATE_ERRORS = {
    "required": _("Isi tanggal."),
    "invalid": _("Tulis tanggal seperti 2026-11-05 atau 05-11-2026."),
}
MEMBER_ERRORS = {
    "required": _("Pilih paling sedikit satu KPM."),
    "invalid_choice": _(
        "Ada KPM yang tidak bisa dipilih: hanya KPM aktif dampingan Anda di desa kelompok ini."
    ),
    "invalid_pk_value": _("Pilihan KPM tidak dikenal."),
}


class KpmChoiceField(forms.ModelMultipleChoiceField):
    """KPM checkboxes labelled with the id the pendamping knows and the pengurus' name."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Kpm) -> str:
        name = getattr(obj, "pengurus_nama", None)
        return f"{obj.kpm_id} · {name}" if name else obj.kpm_id


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GroupCreateForm(forms.Form):
    """Name, desa, and members from the pendamping's own caseload in that desa."""

    name = forms.CharField(
        label=_("Nama kelompok"),
        max_length=100,
        error_messages={
            "required": _("Isi nama kelompok."),
            "max_length": _("Nama kelompok paling panjang %(limit_value)d huruf."),
        },
    )
    desa = forms.ModelChoiceField(
        label=_("Desa/kelurahan"),
        queryset=Desa.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Pilih desa kelompok."),
            "invalid_choice": _("Pilih desa tempat KPM dampingan Anda tinggal."),
        },
    )
    members = KpmChoiceField(
        label=_("Anggota kelompok"), queryset=Kpm.objects.none(), error_messages=MEMBER_ERRORS
    )

    def __init__(self, *args: Any, pendamping: Pendamping, desa_code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        desa_field: Any = self.fields["desa"]
        members_field: Any = self.fields["members"]
        desa_field.queryset = p2k2_caseload_desa(pendamping)
        desa_field.label_from_instance = lambda d: d.name
        members_field.queryset = p2k2_candidates(pendamping, desa_code)


class GroupMembersForm(forms.Form):
    """The group's members: current ones and the pendamping's other active KPM of its desa."""

    members = KpmChoiceField(
        label=_("Anggota kelompok"), queryset=Kpm.objects.none(), error_messages=MEMBER_ERRORS
    )

    def __init__(self, *args: Any, group: P2k2Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members_field: Any = self.fields["members"]
        members_field.queryset = p2k2_member_choices(group)
        members_field.required = False
        if not self.is_bound:
            self.initial["members"] = list(group.members.values_list("pk", flat=True))


class MeetingPlanForm(forms.Form):
    """A catalogue session (grouped by module) and a date."""

    session = forms.TypedChoiceField(
        label=_("Modul dan sesi"),
        coerce=int,
        error_messages={
            "required": _("Pilih sesi dari modul P2K2."),
            "invalid_choice": _("Pilih sesi dari daftar modul P2K2."),
        },
    )
    scheduled_on = forms.DateField(
        label=_("Tanggal pertemuan"),
        input_formats=DATE_FORMATS,
        widget=_date_input(),
        error_messages=DATE_ERRORS,
    )

    def __init__(self, *args: Any, held_sessions: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        done = _("sudah dilaksanakan")
        choices: list[Any] = [("", _("Pilih sesi"))]
        for module in p2k2_modules():
            sessions = [
                (s.pk, f"{s.number}. {s.title}" + (f" ({done})" if s.pk in held_sessions else ""))
                for s in module.sessions.all()
            ]
            choices.append((module.name, sessions))
        session_field: Any = self.fields["session"]
        session_field.choices = choices
        self.initial.setdefault("scheduled_on", timezone.localdate())

    def clean_session(self) -> P2k2Session:
        try:
            return P2k2Session.objects.get(pk=self.cleaned_data["session"])
        except P2k2Session.DoesNotExist as exc:
            raise forms.ValidationError(_("Pilih sesi dari daftar modul P2K2.")) from exc


def roll_field_name(kpm_id: int) -> str:
    return f"kpm_{kpm_id}"


class RollCallForm(forms.Form):
    """The date held and one hadir / izin / tidak hadir per KPM (default hadir). Hidden: the
    submission's key (a resent or replayed form saves once) and the version of the roll-call
    the form was opened on."""

    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    versi = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    held_on = forms.DateField(
        label=_("Tanggal pelaksanaan"),
        input_formats=DATE_FORMATS,
        widget=_date_input(),
        error_messages=DATE_ERRORS,
    )

    def __init__(
        self,
        *args: Any,
        meeting: P2k2Meeting,
        roll: list[tuple[Kpm, str | None]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.roll = roll
        today = timezone.localdate()
        self.initial.setdefault("held_on", min(meeting.scheduled_on, today))
        self.initial.setdefault("idempotency_key", uuid.uuid4())
        recorded = {kpm.pk: status for kpm, status in roll if status}
        version = roll_version(meeting.status, meeting.scheduled_on, recorded)
        self.initial.setdefault("versi", version)
        for kpm, status in roll:
            self.fields[roll_field_name(kpm.pk)] = forms.ChoiceField(
                label=kpm.kpm_id,
                choices=AttendanceStatus.choices,
                initial=status or AttendanceStatus.PRESENT,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Pilih hadir, izin atau tidak hadir."),
                    "invalid_choice": _("Pilih hadir, izin atau tidak hadir."),
                },
            )

    def clean_held_on(self) -> Any:
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError(
                _("Tanggal pelaksanaan belum terjadi; isi tanggal hari ini atau sebelumnya.")
            )
        return held_on

    @property
    def lines(self) -> list[tuple[Kpm, forms.BoundField]]:
        return [(kpm, self[roll_field_name(kpm.pk)]) for kpm, _status in self.roll]

    def base_version(self) -> str | None:
        """The version the form was opened on; None from a form without one."""
        return self.cleaned_data.get("versi") if "versi" in self.data else None

    def take_versions(self, versions: dict[str, str]) -> None:
        """After a conflict: carry the server's current version, so saving again keeps the
        values shown in the form."""
        self.data = data_with(self.data, versions)

    def attendance(self) -> dict[int, str]:
        return {kpm.pk: self.cleaned_data[roll_field_name(kpm.pk)] for kpm, _status in self.roll}
