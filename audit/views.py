"""The data-subject report (UU PDP No. 27/2022): for one person, by NIK, every time their
household's records were served outside the case workflow: to whom, when, through what, for what
purpose and under which fields of an agreement. A page in the admin, for the admin role; viewing
it is itself logged.

The same page hands out the person's own copy: a JSON download of their member record, their
household's facts and every access that named them, recorded as an access event and an audit
row. The NIK reaches it by POST, or as a signed token the report carries, so the full number is
never in a URL nor written back into the page."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from audit.models import AccessEvent
from audit.selectors import report_rows, subject_access_events, subject_export, subject_households
from audit.services import access_record, subject_export_record
from kpm.models import Anggota
from kpm.rules import mask_nik

REPORT_PURPOSE = "laporan subjek data"
EXPORT_SALT = "audit.subject_export"
EXPORT_TOKEN_SECONDS = 30 * 60  # a report left open longer is shown again before a download


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


def _admin_only(request: HttpRequest) -> None:
    from audit.admin import reads_subject_report

    if not reads_subject_report(request.user):
        raise PermissionDenied


def _page(request: HttpRequest, form: NikForm, extra: dict[str, Any]) -> TemplateResponse:
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Laporan subjek data"),
        "opts": AccessEvent._meta,
        "form": form,
        **extra,
    }
    response = TemplateResponse(request, "admin/audit/accessevent/subject_report.html", context)
    add_never_cache_headers(response)
    return response


def subject_report_view(request: HttpRequest) -> HttpResponse:
    """Enter a NIK (sent by POST, so it stays out of URLs and server logs); see who received
    that person's household data."""
    _admin_only(request)
    form = NikForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # the page never shows the whole NIK back
        return _page(request, NikForm(), _report(request, form.cleaned_data["nik"]))
    return _page(request, form, {})


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
    return {
        "masked_nik": mask_nik(nik),
        "households": households,
        "rows": rows,
        "export_token": signing.dumps(
            {"anggota": member.pk, "by": request.user.pk}, salt=EXPORT_SALT
        ),
    }


@require_POST
def subject_export_view(request: HttpRequest) -> HttpResponse:
    """The data subject's export as a JSON download (UTF-8), for the person named by NIK or by
    the report's token; an invalid NIK or an expired token shows the report page again."""
    _admin_only(request)
    found = _export_subject(request)
    if not isinstance(found, Anggota):
        return found
    made_at = timezone.now()
    households = subject_households(found)
    data = subject_export(found, households=households, made_at=made_at)
    subject_export_record(
        actor=request.user,
        member=found,
        endpoint=request.path,
        kpm_ids=[k.kpm_id for k in households],
        events=len(data["akses"]),
    )
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    day = timezone.localdate(made_at).isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="data-subjek-{found.kpm.kpm_id}-{found.pk}-{day}.json"'
    )
    add_never_cache_headers(response)
    return response


def _export_subject(request: HttpRequest) -> Anggota | HttpResponse:
    """The member the download is for, or the report page explaining why there is none."""
    if "token" in request.POST:
        try:
            claim = signing.loads(
                request.POST["token"], salt=EXPORT_SALT, max_age=EXPORT_TOKEN_SECONDS
            )
        except signing.BadSignature:
            claim = None
        member = None
        if claim and claim.get("by") == request.user.pk:
            member = Anggota.objects.select_related("kpm").filter(pk=claim["anggota"]).first()
        if member is None:
            expired = _("Tautan unduhan sudah kedaluwarsa. Isi NIK lagi.")
            return _page(request, NikForm(), {"export_expired": expired})
        return member
    form = NikForm(request.POST)
    if not form.is_valid():
        return _page(request, form, {})
    member = Anggota.objects.select_related("kpm").filter(nik=form.cleaned_data["nik"]).first()
    if member is None:
        return _page(request, NikForm(), {"not_found": mask_nik(form.cleaned_data["nik"])})
    return member
