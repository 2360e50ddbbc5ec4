"""The home-visit form: what was done, an optional photo and location, and an optional
economic assessment of the household."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from kpm.forms_household import CaseForm, day_field, not_in_future
from kpm.models import Kpm
from pendamping.models import BusinessStatus, VisitPurpose
from pendamping.services.visits import location_from, photo_problem

RUPIAH = re.compile(r"^\d{1,3}(\.\d{3})+$|^\d+$")
YES, NO = "ya", "tidak"


class RupiahField(forms.CharField):
    """Whole rupiah typed the Indonesian way: 1500000, 1.500.000 or Rp 1.500.000."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        text = re.sub(r"^rp\.?\s*", "", text, flags=re.IGNORECASE).replace(" ", "")
        if not text:
            return None
        if not RUPIAH.match(text):
            raise forms.ValidationError(
                _("Tulis angka rupiah tanpa koma atau sen, misalnya 1.500.000."), code="invalid"
            )
        return int(text.replace(".", ""))


class VisitForm(CaseForm):
    """One home visit. The hidden key lets a double tap or a resent form save only once."""

    error_fields = {
        "visited_on_future": "visited_on", "visited_on_before_entry": "visited_on",
        "purposes": "purposes", "photo": "photo", "household_income": "household_income",
        "member_count": "member_count", "stable_income": "stable_income",
        "business_status": "business_status", "housing_condition": "housing_condition",
    }  # fmt: skip

    visited_on = day_field(_("Tanggal kunjungan"))
    purposes = forms.MultipleChoiceField(
        label=_("Tujuan kunjungan"),
        choices=VisitPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pilih paling sedikit satu tujuan kunjungan.")},
    )
    notes = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Apa yang ditemukan dan apa yang disepakati dengan keluarga."),
    )
    photo = forms.FileField(
        label=_("Foto (pilihan)"),
        required=False,
        help_text=_("JPG, PNG atau WebP, paling besar 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    accuracy = forms.CharField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    household_income = RupiahField(
        label=_("Pendapatan rumah tangga per bulan (Rp)"),
        required=False,
        help_text=_("Semua penghasilan anggota dalam sebulan, misalnya 1.500.000."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    member_count = forms.IntegerField(
        label=_("Jumlah anggota rumah tangga"),
        required=False,
        min_value=1,
        max_value=99,
        error_messages={
            "min_value": _("Paling sedikit 1 orang."),
            "max_value": _("Paling banyak 99 orang."),
            "invalid": _("Tulis jumlah orang dengan angka."),
        },
    )
    stable_income = forms.ChoiceField(
        label=_("Penghasilan tetap?"),
        choices=[(YES, _("Ya")), (NO, _("Tidak"))],
        required=False,
        widget=forms.RadioSelect,
    )
    business_status = forms.ChoiceField(
        label=_("Status usaha"),
        choices=[("", _("— pilih —")), *BusinessStatus.choices],
        required=False,
    )
    housing_condition = forms.CharField(
        label=_("Kondisi rumah"),
        required=False,
        max_length=200,
        help_text=_("Misalnya: semi permanen, lantai semen, atap seng."),
    )

    def __init__(self, *args: Any, kpm: Kpm, member_count: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kpm = kpm
        self.initial.setdefault("visited_on", timezone.localdate())
        self.initial.setdefault("member_count", member_count)
        self.initial.setdefault("idempotency_key", uuid.uuid4())
        self.set_max_today("visited_on")
        self.fields["visited_on"].widget.attrs["min"] = kpm.pkh_entry_date.isoformat()
        self.fields["member_count"].widget.attrs["inputmode"] = "numeric"

    def clean_visited_on(self) -> date:
        day = not_in_future(self.cleaned_data["visited_on"])
        if day < self.kpm.pkh_entry_date:
            raise forms.ValidationError(
                _("Tanggal kunjungan tidak boleh sebelum KPM masuk PKH (%(d)s).")
                % {"d": self.kpm.pkh_entry_date.strftime("%d-%m-%Y")},
                code="before_entry",
            )
        return day

    def clean_photo(self) -> UploadedFile | None:
        photo: UploadedFile | None = self.cleaned_data.get("photo")
        if photo:
            problem = photo_problem(photo)
            if problem:
                raise forms.ValidationError(problem, code="photo")
        return photo or None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            location_from(data.get("latitude"), data.get("longitude"), data.get("accuracy"))
        except DomainError as exc:
            self.add_error(None, exc.message)
        self._clean_assessment(data)
        return data

    def _clean_assessment(self, data: dict[str, Any]) -> None:
        if data.get("household_income") is None:
            others = ("stable_income", "business_status", "housing_condition")
            if any(data.get(name) for name in others):
                self.add_error(
                    "household_income",
                    _("Isi pendapatan per bulan untuk menyimpan asesmen ekonomi, atau kosongkan "
                      "bagian asesmen."),
                )  # fmt: skip
        elif not data.get("stable_income"):
            self.add_error("stable_income", _("Pilih apakah penghasilannya tetap."))

    def assessment(self) -> dict[str, Any] | None:
        """The economic assessment to record with the visit; None when none was filled in."""
        data = self.cleaned_data
        if data.get("household_income") is None:
            return None
        return {
            "household_income": data["household_income"],
            "member_count": data.get("member_count"),
            "stable_income": data["stable_income"] == YES,
            "business_status": data.get("business_status") or "",
            "housing_condition": data.get("housing_condition") or "",
        }

    def visit_arguments(self) -> dict[str, Any]:
        """The keyword arguments of visit_log that come from this form."""
        data = self.cleaned_data
        return {
            "visited_on": data["visited_on"], "purposes": data["purposes"],
            "notes": data.get("notes") or "", "photo": data.get("photo"),
            "latitude": data.get("latitude") or None, "longitude": data.get("longitude") or None,
            "accuracy": data.get("accuracy") or None, "assessment": self.assessment(),
            "idempotency_key": data.get("idempotency_key"),
        }  # fmt: skip
