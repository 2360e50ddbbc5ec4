"""Recording a follow-up visit after graduation. Who: the KPM's own pendamping or a Dinsos
officer of its kabupaten; out of scope is 404, any other role 403."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.errors import DomainError
from kpm.views.caseload import role_required
from kpm.views.household import kpm_profile_url
from pemberdayaan.forms import FollowUpForm
from pemberdayaan.models import FollowUp
from pemberdayaan.services.follow_ups import follow_up_record
from pendamping.services.visits import active_member_count
from pengguna.models import Role
from pengguna.scoping import get_visible_or_404
from pengguna.templatetags.humanize_id import rupiah

FOLLOW_UP_ROLES = (Role.PENDAMPING, Role.DINSOS)


@role_required(*FOLLOW_UP_ROLES)
@require_http_methods(["GET", "POST"])
def follow_up_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The follow-up form; once saved, back to the KPM's profile with what was recorded."""
    follow_up = get_visible_or_404(
        FollowUp.objects.select_related("kpm__pendamping"), request.user, pk=pk
    )
    kpm = follow_up.kpm
    posted = request.method == "POST"
    form = FollowUpForm(
        request.POST if posted else None,
        follow_up=follow_up,
        kpm=kpm,
        member_count=active_member_count(kpm),
    )
    if posted and form.is_valid():
        try:
            saved = follow_up_record(follow_up=follow_up, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _saved_message(saved))
            return redirect(kpm_profile_url(kpm.kpm_id))
    context = {"form": form, "kpm": kpm, "follow_up": follow_up}
    return render(request, "pemberdayaan/follow_up_form.html", context)


def _saved_message(follow_up: FollowUp) -> str:
    per_member = (follow_up.monthly_income or 0) // (follow_up.member_count or 1)
    return _(
        "Tindak lanjut %(months)s bulan tersimpan. Pendapatan per anggota %(per)s per bulan."
    ) % {"months": follow_up.months_after, "per": rupiah(per_member)}
