"""Dashboard tables as CSV and XLSX files, and the printable monthly kabupaten report."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.services import access_record
from graduasi.dashboard.areas import Area, area_for_region, area_from_query
from graduasi.dashboard.exports import (
    CONTENT_TYPES,
    FORMATS,
    Export,
    csv_stream,
    export_build,
    export_filename,
    xlsx_file,
)
from graduasi.dashboard.report import (
    MonthError,
    latest_month,
    month_label,
    month_parse,
    report_has_data,
    report_read,
)
from graduasi.dashboard.selectors import latest_run
from graduasi.dashboard.tables import TABLE_KEYS
from graduasi.models import PipelineRun, RegionLevel
from kpm.views.caseload import role_required
from pengguna.models import User
from pengguna.scoping import DASHBOARD_ROLES

KABUPATEN_CODE_LENGTH = 5  # 35.71


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # role_required let only signed-in users through
    return user


@role_required(*DASHBOARD_ROLES)
@require_GET
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponseBase:
    """One table of a dashboard as a file; a table naming people is logged as an access."""
    if table not in TABLE_KEYS or fmt not in FORMATS:
        raise Http404
    area = area_from_query(_user(request), request.GET)
    built = export_build(area, table, request.GET)
    if built.people is not None:
        access_record(
            actor=request.user,
            endpoint=request.get_full_path(),
            purpose=f"ekspor dasbor: {table}",
            object_type="pendamping.pendamping",
            record_ids=built.people.values_list("pendamping_id", flat=True),
            detail={"format": fmt, "area": area.slug},
        )
    filename = export_filename(built, area, fmt, today=timezone.localdate())
    return _file_response(built, area, fmt, filename)


def _file_response(built: Export, area: Area, fmt: str, filename: str) -> HttpResponseBase:
    if fmt == "xlsx":
        title = f"{built.table.title} — {area.name}"
        return FileResponse(
            xlsx_file(built.table, title=title),
            as_attachment=True,
            filename=filename,
            content_type=CONTENT_TYPES[fmt],
        )
    response = StreamingHttpResponse(csv_stream(built.table), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(*DASHBOARD_ROLES)
@require_GET
def report(request: HttpRequest, code: str) -> HttpResponse:
    """The monthly report of one kabupaten, printable; it names pendamping, so it is logged."""
    if len(code) != KABUPATEN_CODE_LENGTH:
        raise Http404
    area = area_for_region(_user(request), code)
    if area.level != RegionLevel.KABUPATEN:
        raise Http404
    run = latest_run()
    today = timezone.localdate()
    context: dict[str, Any] = {"area": area, "run": run, "latest": latest_month(run, today)}
    try:
        month = month_parse(request.GET.get("bulan"), default=context["latest"])
    except MonthError as error:
        context.update(error=str(error), month=context["latest"])
        return render(request, "graduasi/dashboard_report.html", context, status=400)
    context.update(month=month, month_label=month_label(month), title=_report_title(area, month))
    if run is None or month > context["latest"] or not report_has_data(area, month):
        context["unavailable"] = _unavailable(run, month)
        return render(request, "graduasi/dashboard_report.html", context)
    context.update(report=report_read(area, month=month), today=today)
    _log_report(request, context["report"].pendamping_ids, area, month)
    return render(request, "graduasi/dashboard_report.html", context)


def _report_title(area: Area, month: date) -> str:
    return _("Laporan Bulanan Graduasi PKH — %(area)s — %(month)s") % {
        "area": area.name,
        "month": month_label(month),
    }


def _unavailable(run: PipelineRun | None, month: date) -> str:
    """Why there is nothing to report for the month, in the user's words."""
    if run is None:
        return _("Belum ada proses malam yang selesai, jadi laporan belum dapat dibuat.")
    if month > run.as_of:
        return _(
            "Belum ada data untuk %(month)s: proses malam terakhir dijalankan per %(day)s."
        ) % {"month": month_label(month), "day": date_format(run.as_of, "j F Y")}
    return _("Tidak ada data untuk %(month)s.") % {"month": month_label(month)}


def _log_report(request: HttpRequest, ids: list[int], area: Area, month: date) -> None:
    if not ids:
        return
    access_record(
        actor=request.user,
        endpoint=request.get_full_path(),
        purpose="laporan bulanan kabupaten",
        object_type="pendamping.pendamping",
        record_ids=ids,
        detail={"area": area.slug, "bulan": month.strftime("%Y-%m")},
    )
