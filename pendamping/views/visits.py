"""Logging a home visit. Who: the KPM's own pendamping, a Dinsos officer of its kabupaten/kota,
an admin; out of scope is 404, a role that only reads (ministry, agency) gets 403. A visit's
photo is shown to the roles that open KPM profiles; to an agency's login it does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import DomainError
from kpm.views.caseload import CASELOAD_ROLES
from kpm.views.household import kpm_profile_url, writable_kpm
from pendamping.forms_visits import VisitForm
from pendamping.models import EconomicAssessment, Visit
from pendamping.selectors import visit_seen
from pendamping.services.visits import active_member_count, visit_log
from pendamping.views.replay import is_replay, replay_refused, replay_saved
from pengguna.scoping import get_visible_or_404
from pengguna.templatetags.humanize_id import rupiah


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest, kpm_id: str) -> HttpResponse:
    """The visit form; a saved visit returns to the KPM's profile with what was recorded."""
    kpm = writable_kpm(request, kpm_id)
    posted = request.method == "POST"
    form = VisitForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        kpm=kpm,
        member_count=active_member_count(kpm),
    )
    replay = posted and is_replay(request)
    if posted and form.is_valid():
        arguments = form.visit_arguments()
        key = arguments["idempotency_key"]
        seen = visit_seen(key)
        try:
            visit = visit_log(kpm=kpm, actor=request.user, **arguments)
        except DomainError as exc:
            if replay:
                return replay_refused(message=exc.message)
            form.add_domain_error(exc)
        else:
            if not seen:  # shown on the next page, the profile the queue's page turns to
                messages.success(request, _saved_message(visit))
            if replay:
                back = kpm_profile_url(kpm.kpm_id)
                return replay_saved(message=_saved_message(visit), back=back, replayed=seen)
            return redirect(kpm_profile_url(kpm.kpm_id))
    if replay:
        return replay_refused(form=form)
    photo_lost = posted and bool(request.FILES.get("photo")) and not form.is_valid()
    context = {"form": form, "kpm": kpm, "photo_lost": photo_lost}
    return render(request, "pendamping/visit_form.html", context)


def _saved_message(visit: Visit) -> str:
    """What the pendamping sees after saving, with the income per member when assessed."""
    text = _("Kunjungan %(date)s tersimpan.") % {"date": visit.visited_on.strftime("%d-%m-%Y")}
    assessment = EconomicAssessment.objects.filter(visit=visit).first()
    if assessment is None:
        return text
    return (
        text
        + " "
        + _("Pendapatan per anggota %(per)s per bulan (%(income)s untuk %(n)s orang).")
        % {
            "per": rupiah(assessment.income_per_member),
            "income": rupiah(assessment.household_income),
            "n": assessment.member_count,
        }
    )


@login_required
@require_GET
def visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A visit's photo, for those who may open its KPM's profile; media is never served
    unchecked."""
    if getattr(request.user, "role", None) not in CASELOAD_ROLES:
        raise Http404  # an agency sees graduated families only through its agreement's fields
    visit = get_visible_or_404(Visit.objects.all(), request.user, pk=pk)
    if not visit.photo:
        raise Http404
    try:
        handle = visit.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
