"""The data-subject report (UU PDP No. 27/2022): for one person, by NIK, every time their
household's records were served outside the case workflow: to whom, when, through what, for what
purpose and under which fields of an agreement. A page in the admin, for the admin role; viewing
it is itself logged."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from audit.models import AccessEvent
from audit.selectors import report_rows, subject_access_events, subject_households
from audit.services import access_record
from kpm.models import Anggota
from kpm.rules import mask_nik

REPORT_PURPOSE = "laporan subjek data"


class NikForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=32,
        error_messages={"required": _("Isi NIK (16 angka).")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_nik(self) -> str:
        nik = "".join(self.cleaned_data["nik"].split())
        if len(nik) != 16 or not nik.isdigit():
            raise forms.ValidationError(_("NIK harus 16 angka."))
        return nik


def subject_report_view(request: HttpRequest) -> HttpResponse:
    """Enter a NIK (sent by POST, so it stays out of URLs and server logs); see who received
    that person's household data."""
    from audit.admin import reads_subject_report

    if not reads_subject_report(request.user):
        raise PermissionDenied
    form = NikForm(request.POST or None)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Laporan subjek data"),
        "opts": AccessEvent._meta,
        "form": form,
    }
    if request.method == "POST" and form.is_valid():
        context |= _report(request, form.cleaned_data["nik"])
        context["form"] = NikForm()  # the page never shows the whole NIK back
    response = TemplateResponse(request, "admin/audit/accessevent/subject_report.html", context)
    add_never_cache_headers(response)
    return response


def _report(request: HttpRequest, nik: str) -> dict[str, Any]:
    member = Anggota.objects.filter(nik=nik).first()
    if member is None:
        return {"not_found": mask_nik(nik)}
    households = subject_households(member)
    rows = report_rows(subject_access_events(households), households)
    access_record(
        actor=request.user,
        endpoint=request.path,
        purpose=REPORT_PURPOSE,
        object_type="kpm.anggota",
        record_ids=[member.pk],
        detail={"kpm": [k.kpm_id for k in households], "events": len(rows)},
    )
    return {"masked_nik": mask_nik(nik), "households": households, "rows": rows}
