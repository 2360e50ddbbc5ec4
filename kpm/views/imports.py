"""KPM import pages for Dinsos officers and admins: upload, check, confirm, follow progress."""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import DomainError
from kpm.forms import ImportUploadForm
from kpm.importing import ImportReport
from kpm.importing.jobs import import_job_cancel, import_job_confirm, import_job_upload
from kpm.models import ImportJob, ImportStatus
from pengguna.models import Role
from pengguna.scoping import get_visible_or_404

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "importing" / "sample.csv"
ERRORS_SHOWN = 500  # on the page; the CSV download has every stored error


def importer_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Only Dinsos officers and admins import; anyone else finds nothing here (404)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "role", None) not in (Role.DINSOS, Role.ADMIN):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return get_visible_or_404(ImportJob.objects.select_related("uploaded_by"), request.user, pk=pk)


@importer_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a file; its check report is shown before anything is saved (a large file is
    checked in the background while the page waits)."""
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST, request.FILES) if posted else ImportUploadForm()
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_upload(user=request.user, name=upload.name, data=upload.read())
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("kpm:import_detail", pk=job.pk)
    jobs = ImportJob.objects.visible_to(request.user).select_related("uploaded_by")[:10]
    return render(request, "kpm/import_upload.html", {"form": form, "jobs": jobs})


@importer_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The check (or final) report of one import, with confirm and cancel while it waits."""
    job = _job(request, pk)
    report = ImportReport.from_json(job.report)
    context = {
        "job": job,
        "report": report,
        "errors": report.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, report.errors_total - ERRORS_SHOWN),
        "errors_not_stored": report.errors_total - len(report.errors),
        "failure": job.report.get("failure"),
        "awaiting": job.status == ImportStatus.AWAITING,
        "running": job.status == ImportStatus.RUNNING,
        "checking": job.status == ImportStatus.CHECKING,
    }
    return render(request, "kpm/import_detail.html", context)


@importer_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Run the checked import (large files go to a background worker)."""
    try:
        job = import_job_confirm(job=_job(request, pk))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("kpm:import_detail", pk=pk)
    if job.status == ImportStatus.DONE:
        messages.success(request, _("Impor selesai."))
    elif job.status == ImportStatus.RUNNING:
        messages.info(request, _("Impor berjalan di latar belakang; halaman ini menunjukkan "
                                 "kemajuannya."))  # fmt: skip
    return redirect("kpm:import_detail", pk=pk)


@importer_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop a checked file without importing it."""
    try:
        import_job_cancel(job=_job(request, pk))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("Impor dibatalkan; tidak ada data yang diubah."))
    return redirect("kpm:import_detail", pk=pk)


@importer_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx partial: the check or the progress bar; once either ends the page reloads to show
    the report."""
    job = _job(request, pk)
    response = render(request, "kpm/_import_progress.html", {"job": job})
    busy = job.status in (ImportStatus.CHECKING, ImportStatus.RUNNING)
    if not busy and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@importer_required
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every stored error of an import as a CSV the officer can hand back to whoever fixes it."""
    job = _job(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kesalahan-impor-{job.pk}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 correctly with a byte order mark
    writer = csv.writer(response)
    writer.writerow([_("baris"), _("kpm_id"), _("kolom"), _("alasan")])
    for error in ImportReport.from_json(job.report).errors:
        writer.writerow([error.line, _inert(error.kpm_id), _inert(error.column), error.reason])
    return response


def _inert(cell: str) -> str:
    """A cell copied from an uploaded file, kept from being run as a spreadsheet formula."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@") else cell


@importer_required
def import_sample(request: HttpRequest) -> FileResponse:
    """The sample file: the layout an import must follow."""
    return FileResponse(
        SAMPLE_FILE.open("rb"), as_attachment=True, filename="contoh-impor-kpm.csv",
        content_type="text/csv",
    )  # fmt: skip
