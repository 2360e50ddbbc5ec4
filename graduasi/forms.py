"""Forms of the proposal pages: the proposal itself, its signed statement, a Dinsos decision and
the queue's filters. They check what can be checked at once; the services decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from graduasi.models import GraduationType
from graduasi.proposal_selectors import QUEUE_TABS, QueueFilters
from graduasi.services.proposals import statement_problem
from kpm.forms_household import CaseForm, day_field, not_in_future
from pemberdayaan.models import Programme
from pengguna.templatetags.humanize_id import rupiah

STATEMENT_ACCEPT = "application/pdf,image/jpeg,image/png"
SAVE, SUBMIT = "simpan", "ajukan"


class StatementField(forms.FileField):
    """The family's signed statement: PDF, JPG or PNG up to 5 MB, checked by its content."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Surat pernyataan bertanda tangan"))
        kwargs.setdefault(
            "help_text",
            _(
                "PDF, JPG atau PNG, paling besar 5 MB. Wajib untuk graduasi mandiri sebelum "
                "diajukan; boleh dilampirkan nanti."
            ),
        )
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": STATEMENT_ACCEPT}))
        # An empty file gets the service's own words, not Django's.
        super().__init__(allow_empty_file=True, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> UploadedFile | None:
        upload: UploadedFile | None = super().clean(data, initial)
        if upload:
            problem = statement_problem(upload)
            if problem:
                raise forms.ValidationError(problem, code="statement")
        return upload or None


class ProgrammeField(forms.ModelMultipleChoiceField):
    """Active empowerment programmes, each with its agency and amount."""

    def label_from_instance(self, obj: Programme) -> str:
        parts = [obj.name, obj.agency]
        if obj.amount:
            parts.append(rupiah(obj.amount))
        return " · ".join(parts)


class ProposalForm(CaseForm):
    """A graduation proposal as the pendamping writes it, with the referral consent and,
    optionally, the signed statement."""

    error_fields = {
        "type": "type", "type_not_supported": "type", "consent_missing": "consent_on",
        "consent_date": "consent_on", "programme_inactive": "programmes",
        "statement": "signed_statement", "statement_missing": "signed_statement",
    }  # fmt: skip

    type = forms.ChoiceField(
        label=_("Jenis graduasi"),
        choices=GraduationType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih jenis graduasi.")},
    )
    justification = forms.CharField(
        label=_("Alasan usulan"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Mengapa keluarga ini siap keluar dari PKH: apa yang berubah, apa yang dilihat."
        ),
    )
    programmes = ProgrammeField(
        label=_("Program pemberdayaan yang disetujui keluarga"),
        queryset=Programme.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Keluarga dirujuk ke program ini bila usulan disetujui."),
    )
    consent_on = day_field(
        _("Tanggal keluarga menyetujui rujukan"),
        required=False,
        help_text=_("Wajib bila memilih program."),
    )
    signed_statement = StatementField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_max_today("consent_on")

    def clean_consent_on(self) -> date | None:
        day: date | None = self.cleaned_data.get("consent_on")
        return not_in_future(day) if day else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        consent_missing = not data.get("consent_on") and "consent_on" not in self.errors
        if data.get("programmes") and consent_missing:
            self.add_error(
                "consent_on",
                _("Isi tanggal keluarga menyetujui rujukan ke program pemberdayaan."),
            )
        return data

    def proposal_arguments(self) -> dict[str, Any]:
        """The cleaned values as proposal_draft / proposal_update take them."""
        data = self.cleaned_data
        return {
            "type": data["type"],
            "justification": data.get("justification") or "",
            "programmes": list(data.get("programmes") or []),
            "consent_on": data.get("consent_on"),
        }


class StatementForm(CaseForm):
    """Attach or replace the signed statement of a proposal."""

    error_fields = {"statement": "signed_statement"}

    signed_statement = StatementField(
        error_messages={"required": _("Pilih berkas surat pernyataan.")}
    )


class DecisionForm(CaseForm):
    """A Dinsos officer's note with a decision (required to reject or return)."""

    catatan = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(forms.Form):
    """The queue's tab and filters, read from the query string."""

    tab = forms.ChoiceField(
        choices=[(key, key) for key in QUEUE_TABS], required=False, widget=forms.HiddenInput
    )
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    jenis = forms.ChoiceField(
        label=_("Jenis graduasi"),
        required=False,
        choices=[("", _("Semua jenis")), *GraduationType.choices],
    )
    pendamping = forms.TypedChoiceField(label=_("Pendamping"), required=False, coerce=int)
    lebih_dari = forms.IntegerField(
        label=_("Menunggu lebih dari (hari)"),
        required=False,
        min_value=0,
        max_value=3650,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Tulis jumlah hari dengan angka."),
            "min_value": _("Paling sedikit 0 hari."),
            "max_value": _("Paling banyak 3650 hari."),
        },
    )

    def __init__(
        self,
        *args: Any,
        kecamatan: list[tuple[str, str]],
        pendamping: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [("", _("Semua kecamatan")), *kecamatan]  # type: ignore[attr-defined]
        self.fields["pendamping"].choices = [("", _("Semua pendamping")), *pendamping]  # type: ignore[attr-defined]

    def filters(self) -> QueueFilters:
        """The filters to apply; a value that does not clean is left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return QueueFilters(
            tab=data.get("tab") or "diajukan",
            kecamatan=data.get("kecamatan") or "",
            type=data.get("jenis") or "",
            pendamping=data.get("pendamping") or None,
            older_than=data.get("lebih_dari"),
        )
