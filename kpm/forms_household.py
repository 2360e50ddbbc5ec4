"""Forms for household changes: a birth, a pregnancy or delivery, a school level, a member
leaving. They check what can be checked at once; the services decide."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from graduasi.rules import age_on
from kpm.models import Anggota, MemberStatus, SchoolLevel, Sex
from kpm.rules import nik_mismatch, nik_problem
from kpm.services.household import ADULT_AGE
from kpm.validators import KnownKecamatan

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]


def day_field(label: StrOrPromise, **kwargs: Any) -> forms.DateField:
    """A date typed or picked on a phone; also accepts 31-12-2026 and 31/12/2026."""
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Isi tanggalnya."),
            "invalid": _("Tanggal tidak terbaca; tulis seperti 31-12-2026."),
        },
        **kwargs,
    )


class CaseForm(forms.Form):
    """A form of case work: no label colon, and service refusals shown beside their field."""

    # DomainError codes of the service and the field each belongs to.
    error_fields: Mapping[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError) -> None:
        field = self.error_fields.get(exc.code)
        self.add_error(field if field in self.fields else None, exc.message)

    def set_max_today(self, *names: str) -> None:
        today = timezone.localdate().isoformat()
        for name in names:
            self.fields[name].widget.attrs["max"] = today


def not_in_future(day: date) -> date:
    if day > timezone.localdate():
        raise forms.ValidationError(_("Tanggal tidak boleh sesudah hari ini."), code="future")
    return day


class MotherField(forms.ModelChoiceField):
    """Women of the KPM, the pregnant ones marked."""

    def label_from_instance(self, obj: Anggota) -> str:
        return f"{obj.nama} ({_('hamil')})" if obj.hamil else obj.nama


class MemberAgeField(forms.ModelChoiceField):
    """Members of the KPM with their age, so an adult is easy to pick."""

    def label_from_instance(self, obj: Anggota) -> str:
        age = age_on(obj.tanggal_lahir, timezone.localdate())
        return str(_("%(nama)s (%(age)s tahun)") % {"nama": obj.nama, "age": age})


class BirthForm(CaseForm):
    """A baby born into the KPM. A NIK is required: it identifies a member in the whole
    system, and a newborn gets one on the family's new Kartu Keluarga."""

    error_fields = {
        "nik": "nik",
        "sex": "jenis_kelamin",
        "nama": "nama",
        "mother": "mother",
        "future_date": "tanggal_lahir",
    }

    nama = forms.CharField(
        label=_("Nama bayi"),
        max_length=150,
        error_messages={"required": _("Tulis nama bayi seperti di Kartu Keluarga.")},
    )
    jenis_kelamin = forms.ChoiceField(
        label=_("Jenis kelamin"),
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih jenis kelamin bayi.")},
    )
    tanggal_lahir = day_field(_("Tanggal lahir"))
    nik = forms.CharField(
        label=_("NIK bayi"),
        max_length=20,
        help_text=_(
            "16 angka, tertulis di Kartu Keluarga (KK) yang baru. Bila KK belum diperbarui, "
            "bantu keluarga mengurusnya di Dukcapil, lalu catat kelahiran sesudah KK terbit."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Isi NIK bayi (16 angka dari Kartu Keluarga).")},
    )
    mother = MotherField(
        label=_("Ibu"),
        queryset=Anggota.objects.none(),
        required=False,
        empty_label=_("— tidak dicatat —"),
        help_text=_("Persalinan ibu ikut dicatat pada tanggal lahir bayi."),
    )

    def __init__(self, *args: Any, mothers: QuerySet[Anggota], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["mother"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = mothers
        pregnant = [m for m in mothers if m.hamil]
        if len(pregnant) == 1 and not self.is_bound:
            self.initial["mother"] = pregnant[0].pk
        self.set_max_today("tanggal_lahir")

    def clean_tanggal_lahir(self) -> date:
        return not_in_future(self.cleaned_data["tanggal_lahir"])

    def clean_nik(self) -> str:
        nik = "".join(self.cleaned_data["nik"].split())
        problem = nik_problem(nik, known_kecamatan=KnownKecamatan())
        if problem:
            raise forms.ValidationError(problem, code="nik")
        return nik

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        nik, born, sex = data.get("nik"), data.get("tanggal_lahir"), data.get("jenis_kelamin")
        if nik and born and sex:
            problem = nik_mismatch(nik, birth_date=born, sex=sex)
            if problem:
                self.add_error("nik", problem)
        return data


class PregnancyForm(CaseForm):
    """Either a pregnancy (with its due date) or a delivery (with its date)."""

    PREGNANT, DELIVERED = "hamil", "persalinan"
    error_fields = {
        "due_date_past": "perkiraan_lahir",
        "due_date_far": "perkiraan_lahir",
        "future_date": "tanggal_persalinan",
        "delivery_date": "tanggal_persalinan",
    }

    event = forms.ChoiceField(
        label=_("Yang dicatat"),
        choices=[(PREGNANT, _("Sedang hamil")), (DELIVERED, _("Sudah melahirkan"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih: sedang hamil atau sudah melahirkan.")},
    )
    perkiraan_lahir = day_field(
        _("Perkiraan lahir"), required=False, help_text=_("Isi bila sedang hamil.")
    )
    tanggal_persalinan = day_field(
        _("Tanggal persalinan"), required=False, help_text=_("Isi bila sudah melahirkan.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["perkiraan_lahir"].widget.attrs["min"] = timezone.localdate().isoformat()
        self.set_max_today("tanggal_persalinan")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        event = data.get("event")
        if event == self.PREGNANT and not data.get("perkiraan_lahir"):
            self.add_error("perkiraan_lahir", _("Isi perkiraan tanggal lahir bayi."))
        if event == self.DELIVERED:
            day = data.get("tanggal_persalinan")
            if not day:
                self.add_error("tanggal_persalinan", _("Isi tanggal persalinan."))
            elif day > timezone.localdate():
                self.add_error("tanggal_persalinan", _("Tanggal tidak boleh sesudah hari ini."))
        return data


class SchoolForm(CaseForm):
    error_fields = {"school_level": "jenjang_sekolah"}

    jenjang_sekolah = forms.ChoiceField(
        label=_("Jenjang sekolah sekarang"),
        choices=SchoolLevel.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Pilih jenjang sekolah dari daftar.")},
    )


class ExitForm(CaseForm):
    """A member who died or moved out; a leaving pengurus names who takes over."""

    error_fields = {
        "exit_status": "status",
        "future_date": "tanggal",
        "exit_date": "tanggal",
        "successor_required": "new_pengurus",
        "successor_invalid": "new_pengurus",
        "successor_minor": "new_pengurus",
    }

    status = forms.ChoiceField(
        label=_("Keterangan"),
        choices=[(MemberStatus.DIED, _("Meninggal")), (MemberStatus.MOVED, _("Pindah"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih: meninggal atau pindah.")},
    )
    tanggal = day_field(_("Tanggal meninggal atau pindah"))
    new_pengurus = MemberAgeField(
        label=_("Pengurus baru"),
        queryset=Anggota.objects.none(),
        empty_label=_("— pilih anggota —"),
        help_text=_("Yang pergi adalah pengurus; pilih anggota dewasa yang menerima bantuan."),
        error_messages={"required": _("Pilih anggota yang menjadi pengurus baru.")},
    )

    def __init__(self, *args: Any, member: Anggota, others: list[Anggota], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_max_today("tanggal")
        if not member.is_pengurus or not others:  # no successor to name
            del self.fields["new_pengurus"]
            return
        field = self.fields["new_pengurus"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Anggota.objects.filter(pk__in=[o.pk for o in others])
        today = timezone.localdate()
        adults = [o for o in others if age_on(o.tanggal_lahir, today) >= ADULT_AGE]
        if len(adults) == 1 and not self.is_bound:
            self.initial["new_pengurus"] = adults[0].pk

    def clean_tanggal(self) -> date:
        return not_in_future(self.cleaned_data["tanggal"])
