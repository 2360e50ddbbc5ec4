"""Forms after graduation: recording a follow-up visit, changing a referral's status, adding
a referral, and the filters of the referral and at-risk lists. They check what can be checked
at once; the services decide."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kpm.forms_household import CaseForm, day_field, not_in_future
from kpm.models import Kpm
from pemberdayaan.models import BusinessStatus, FollowUp, Programme, ReferralStatus
from pemberdayaan.rules import RISK_LABELS
from pemberdayaan.services.follow_ups import MAX_MEMBERS
from pendamping.forms_visits import RupiahField
from pengguna.models import Role, User
from wilayah.models import Kecamatan

REGION_CODE = re.compile(r"^\d{2}\.\d{2}(\.\d{2})?$")


class FollowUpForm(CaseForm):
    """What a follow-up visit found; a done follow-up opens with its recorded values."""

    error_fields = {
        "done_on": "done_on", "monthly_income": "monthly_income",
        "member_count": "member_count", "business_status": "business_status",
    }  # fmt: skip

    done_on = day_field(_("Tanggal kunjungan"))
    monthly_income = RupiahField(
        label=_("Pendapatan keluarga per bulan (Rp)"),
        help_text=_("Semua penghasilan anggota dalam sebulan, misalnya 1.500.000."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Isi pendapatan keluarga per bulan.")},
    )
    member_count = forms.IntegerField(
        label=_("Jumlah anggota rumah tangga"),
        min_value=1,
        max_value=MAX_MEMBERS,
        error_messages={
            "required": _("Isi jumlah anggota."),
            "min_value": _("Paling sedikit 1 orang."),
            "max_value": _("Paling banyak 99 orang."),
            "invalid": _("Tulis jumlah orang dengan angka."),
        },
    )
    business_status = forms.ChoiceField(
        label=_("Status usaha"),
        choices=[("", _("— pilih —")), *BusinessStatus.choices],
        error_messages={"required": _("Pilih status usaha.")},
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Apa yang ditemukan: usaha, pekerjaan, kebutuhan keluarga."),
    )

    def __init__(
        self, *args: Any, follow_up: FollowUp, kpm: Kpm, member_count: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kpm = kpm
        if follow_up.done_on is not None:
            self.initial.update(
                done_on=follow_up.done_on, monthly_income=follow_up.monthly_income,
                member_count=follow_up.member_count,
                business_status=follow_up.business_status, note=follow_up.note,
            )  # fmt: skip
        self.initial.setdefault("done_on", timezone.localdate())
        self.initial.setdefault("member_count", member_count)
        self.set_max_today("done_on")
        if kpm.graduated_on:
            self.fields["done_on"].widget.attrs["min"] = kpm.graduated_on.isoformat()
        self.fields["member_count"].widget.attrs["inputmode"] = "numeric"

    def clean_done_on(self) -> date:
        day = not_in_future(self.cleaned_data["done_on"])
        graduated_on = self.kpm.graduated_on
        if graduated_on is not None and day < graduated_on:
            raise forms.ValidationError(
                _("Tanggal kunjungan tidak boleh sebelum tanggal graduasi (%(d)s).")
                % {"d": graduated_on.strftime("%d-%m-%Y")},
                code="before_graduation",
            )
        return day


class ReferralStatusForm(forms.Form):
    """The next status of one referral, from a list or the profile."""

    to = forms.ChoiceField(label=_("Status baru"), choices=ReferralStatus.choices)
    note = forms.CharField(label=_("Catatan"), required=False, max_length=2000)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ReferralAddForm(CaseForm):
    """One more programme for a graduated family, on the day the family agreed."""

    error_fields = {
        "consent_missing": "consent_on", "consent_date": "consent_on",
        "programme_inactive": "programme", "duplicate": "programme",
    }  # fmt: skip

    programme = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Programme.objects.none(),
        empty_label=_("— pilih —"),
        error_messages={"required": _("Pilih programnya.")},
    )
    consent_on = day_field(
        _("Tanggal keluarga menyetujui"),
        help_text=_("Hari keluarga menyatakan setuju dirujuk ke program ini."),
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, kpm: Kpm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Programme.objects.filter(active=True).exclude(referrals__kpm=kpm)
        self.set_max_today("consent_on")

    def clean_consent_on(self) -> date:
        return not_in_future(self.cleaned_data["consent_on"])


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua")), *ReferralStatus.choices]
    )
    program = forms.ModelChoiceField(
        label=_("Program"), required=False, queryset=Programme.objects.all(), empty_label=_("Semua")
    )


def _kecamatan_choices(kabupaten: str) -> QuerySet[Kecamatan]:
    return Kecamatan.objects.filter(kabupaten_id=kabupaten).order_by("code")


class AtRiskFilterForm(forms.Form):
    """A Dinsos officer picks a kecamatan of their kabupaten; others type a kabupaten or
    kecamatan code."""

    wilayah = forms.CharField(
        label=_("Kode kabupaten/kecamatan"),
        required=False,
        max_length=8,
        help_text=_("Misalnya 35.71 atau 35.71.01."),
    )
    alasan = forms.ChoiceField(
        label=_("Alasan"),
        required=False,
        choices=[("", _("Semua")), *((code.value, label) for code, label in RISK_LABELS.items())],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = user.scope_region_code or ""
        if user.role == Role.DINSOS and len(code) == 5:
            choices = [(k.code, f"{k.code} {k.name}") for k in _kecamatan_choices(code)]
            self.fields["wilayah"] = forms.ChoiceField(
                label=_("Kecamatan"), required=False, choices=[("", _("Semua")), *choices]
            )

    def clean_wilayah(self) -> str:
        value = (self.cleaned_data.get("wilayah") or "").strip()
        if value and not REGION_CODE.match(value):
            raise forms.ValidationError(
                _("Tulis kode seperti 35.71 (kabupaten/kota) atau 35.71.01 (kecamatan).")
            )
        return value
