"""The monthly commitment grid of one KPM: record attendance and check-ups, see history."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.errors import ConflictError, DomainError
from graduasi.selectors import policy_on
from kpm.models import Anggota, Kpm
from pendamping.forms_commitments import CommitmentGridForm, month_parse
from pendamping.rules import month_add, month_start, months_back
from pendamping.selectors import HISTORY_MONTHS, commitment_grid, submission_seen
from pendamping.services.commitments import commitment_record
from pendamping.views.replay import is_replay, replay_conflict, replay_refused, replay_saved
from pengguna.scoping import get_visible_or_404, may_write_case

SWITCHER_MONTHS = 12


def _kpm(request: HttpRequest, kpm_id: str) -> Kpm:
    kpm = get_visible_or_404(Kpm.objects.select_related("desa"), request.user, kpm_id=kpm_id)
    if not may_write_case(request.user):  # sees the KPM but does not record case work: 403
        raise PermissionDenied
    return kpm


def _month_label(month: date) -> str:
    return formats.date_format(month, "F Y")


def _grid_url(kpm: Kpm, month: date) -> str:
    return f"{reverse('komitmen:grid', args=[kpm.kpm_id])}?bulan={month:%Y-%m}"


@login_required
@require_http_methods(["GET", "POST"])
def commitment_grid_view(request: HttpRequest, kpm_id: str) -> HttpResponse:
    """GET the grid for ?bulan=YYYY-MM (default this month); POST saves the whole grid."""
    kpm = _kpm(request, kpm_id)
    this_month = month_start(timezone.localdate())
    asked = request.GET.get("bulan")
    month = month_parse(asked) if asked else this_month
    if month is None or (request.method == "GET" and month > this_month):
        messages.error(
            request, _("Bulan tidak dikenal atau belum berjalan; ditampilkan bulan ini.")
        )
        return redirect("komitmen:grid", kpm_id=kpm.kpm_id)
    rows = commitment_grid(kpm, month=month)
    posted = request.method == "POST"
    replay = posted and is_replay(request)
    form = CommitmentGridForm(request.POST if posted else None, rows=rows)
    conflict: ConflictError | None = None
    if posted and form.is_valid():
        key = form.cleaned_data.get("idempotency_key")
        seen = submission_seen(key)
        try:
            result = commitment_record(
                kpm=kpm, month=month, entries=form.entries(), actor=request.user,
                idempotency_key=key, base_versions=form.base_versions(),
            )  # fmt: skip
        except ConflictError as exc:
            if replay:
                return replay_conflict(exc)
            conflict = exc
            form.take_versions(exc.versions)
        except DomainError as exc:
            if replay:
                return replay_refused(message=exc.message)
            form.add_error(None, exc.message)
        else:
            saved = _("Verifikasi komitmen %(bulan)s disimpan.") % {"bulan": _month_label(month)}
            if not seen:  # shown on the next page, also when the offline queue sent it
                messages.success(request, saved)
                if result.noncompliant:
                    messages.warning(request, _("KPM ini ditandai tidak memenuhi komitmen."))
            if replay:
                return replay_saved(message=saved, back=_grid_url(kpm, month), replayed=seen)
            return redirect(_grid_url(kpm, month))
    if replay:
        return replay_refused(form=form)
    context = _grid_context(kpm, form, month=month, this_month=this_month)
    context["conflict"] = conflict
    context["server_url"] = _grid_url(kpm, month)
    status = 409 if conflict else 400 if posted else 200
    return render(request, "pendamping/commitment_grid.html", context, status=status)


def _grid_context(
    kpm: Kpm, form: CommitmentGridForm, *, month: date, this_month: date
) -> dict[str, Any]:
    """The page around the form: the KPM, the month switcher and the history's columns."""
    switcher = months_back(this_month, SWITCHER_MONTHS)[::-1]
    if month not in switcher:
        switcher.append(month)
    return {
        "kpm": kpm,
        "form": form,
        "month": month,
        "min_pct": policy_on(month).min_school_attendance_pct,
        "pengurus": Anggota.objects.filter(kpm=kpm, is_pengurus=True).first(),
        "history_months": months_back(month, HISTORY_MONTHS),
        "switcher": switcher,
        "previous": month_add(month, -1),
        "next": month_add(month, 1) if month < this_month else None,
    }
