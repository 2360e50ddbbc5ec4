"""Forms of the kpm app."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

MAX_IMPORT_BYTES = 50 * 1024 * 1024


class ImportUploadForm(forms.Form):
    """A KPM file to check before importing: a CSV, at most 50 MB."""

    file = forms.FileField(
        label=_("Berkas CSV"),
        help_text=_("Satu baris per anggota, pemisah ; atau , (UTF-8), paling besar 50 MB."),
        error_messages={
            "required": _("Pilih berkas CSV yang akan diimpor."),
            "empty": _("Berkas kosong."),
            "invalid": _("Berkas tidak terbaca; pilih ulang berkasnya."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".csv"):
            raise forms.ValidationError(
                _("Hanya berkas .csv yang diterima. Dari Excel: Simpan Sebagai > CSV UTF-8."),
                code="not_csv",
            )
        if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("Berkas terlalu besar (%(mb)s MB); paling besar 50 MB. Bagi menjadi beberapa "
                  "berkas.")
                % {"mb": round(upload.size / 1024 / 1024)},
                code="too_large",
            )  # fmt: skip
        return upload
