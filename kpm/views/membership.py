"""Membership of the programme beyond graduation: exits recorded by Dinsos, and the waiting list
with the kabupaten's funded quota.

Who: a Dinsos officer of the KPM's (or the list's) kabupaten/kota records exits and proposes
enrolments; an admin records exits too; the ministry reads the waiting list of the kabupaten
in its scope. Out of scope is a 404, like something that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.errors import DomainError
from kpm.forms_membership import EnrolmentProposeForm, KpmExitForm
from kpm.models import EnrolmentProposal, Kpm, KpmStatus
from kpm.selectors.waiting import (
    enrolment_candidates,
    enrolment_proposals,
    visible_enrolment_proposals,
    visible_kabupaten,
    waiting_numbers,
    waiting_page,
)
from kpm.services.membership import (
    EXIT_ROLES,
    EXITABLE_STATUSES,
    enrolment_propose,
    kpm_exit,
    may_propose_enrolment,
    may_record_exit,
)
from kpm.views.caseload import role_required
from pengguna.models import Role, User
from pengguna.scoping import get_visible_or_404
from wilayah.models import Kabupaten

WAITING_ROLES = (Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)


def profile_section(request: HttpRequest, kpm: Kpm) -> dict[str, Any]:
    """Context for templates/kpm/_profile_exit.html."""
    return {
        "exit_shown": kpm.status == KpmStatus.EXITED,
        "exit_may_record": may_record_exit(request.user, kpm),
        "exit_url": reverse("kepesertaan:exit", args=[kpm.kpm_id]),
    }


@role_required(*EXIT_ROLES)
@require_http_methods(["GET", "POST"])
def exit_record(request: HttpRequest, kpm_id: str) -> HttpResponse:
    """Catat KPM keluar: reason, date and note; the profile then shows the exit."""
    kpm = get_visible_or_404(Kpm.objects.select_related("desa"), request.user, kpm_id=kpm_id)
    form = KpmExitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kpm_exit(
                kpm=kpm, actor=request.user, reason=data["reason"], on=data["tanggal"],
                note=data["note"], duplicate_of=data["duplicate_of"],
            )  # fmt: skip
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("KPM %(id)s tercatat keluar dari PKH.") % {"id": kpm_id})
            return redirect("kpm:profile", kpm_id)
    context = {"form": form, "kpm": kpm, "exitable": kpm.status in EXITABLE_STATUSES}
    return render(request, "kpm/membership_exit.html", context)


@role_required(*WAITING_ROLES)
@require_http_methods(["GET", "POST"])
def waiting_list(request: HttpRequest) -> HttpResponse:
    """Daftar tunggu of one kabupaten: the numbers, the ranking, the proposals; a Dinsos
    officer proposes the next households here (POST)."""
    user = request.user
    assert isinstance(user, User)
    kabupaten = _chosen_kabupaten(request, user)
    if kabupaten is None:
        choices = visible_kabupaten(user).order_by("code")
        return render(request, "kpm/waiting_choose.html", {"choices": choices})
    today = timezone.localdate()
    numbers = waiting_numbers(kabupaten.code, on=today)
    can_propose = may_propose_enrolment(user, kabupaten.code)
    form = EnrolmentProposeForm(
        request.POST if request.method == "POST" else None, open_places=numbers.open_places
    )
    if request.method == "POST":
        if not can_propose:
            raise PermissionDenied
        proposal = _propose(request, form, kabupaten.code)
        if proposal is not None:
            return redirect("kepesertaan:proposal", proposal.pk)
    page, rows = waiting_page(kabupaten.code, page=request.GET.get("halaman"), on=today)
    context = {
        "kabupaten": kabupaten, "numbers": numbers, "page": page, "rows": rows,
        "prev_url": _page_url(request, page.number - 1) if page.has_previous() else "",
        "next_url": _page_url(request, page.number + 1) if page.has_next() else "",
        "proposals": enrolment_proposals(kabupaten.code), "form": form,
        "can_propose": can_propose, "on": today,
        "choose": user.role != Role.DINSOS,
    }  # fmt: skip
    return render(request, "kpm/waiting_list.html", context)


def _page_url(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["halaman"] = str(number)
    return f"{reverse('kepesertaan:waiting')}?{query.urlencode()}"


def _chosen_kabupaten(request: HttpRequest, user: User) -> Kabupaten | None:
    """A Dinsos officer's own kabupaten; for others the one asked for (404 out of scope), or
    None to choose one."""
    code = user.scope_region_code if user.role == Role.DINSOS else request.GET.get("kabupaten")
    asked = request.GET.get("kabupaten")
    if user.role == Role.DINSOS and asked and asked != code:
        raise Http404
    if not code:
        return None
    found = visible_kabupaten(user).filter(code=code).first()
    if found is None:
        raise Http404
    return found


def _propose(
    request: HttpRequest, form: EnrolmentProposeForm, kabupaten_code: str
) -> EnrolmentProposal | None:
    if not form.is_valid():
        return None
    try:
        proposal = enrolment_propose(
            kabupaten_code=kabupaten_code, actor=request.user,
            count=form.cleaned_data["count"], note=form.cleaned_data["note"],
        )  # fmt: skip
    except DomainError as exc:
        form.add_domain_error(exc)
        return None
    messages.success(
        request,
        _("%(n)s rumah tangga diusulkan menjadi peserta.") % {"n": proposal.candidates.count()},
    )
    return proposal


@role_required(*WAITING_ROLES)
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One enrolment proposal: who proposed it, when, why, and the households in rank order."""
    proposal = get_object_or_404(
        visible_enrolment_proposals(request.user).select_related("kabupaten", "proposed_by"),
        pk=pk,
    )
    context = {
        "proposal": proposal,
        "candidates": list(enrolment_candidates(proposal)),
        "back": _waiting_url(request.user, proposal.kabupaten_id),
    }
    return render(request, "kpm/waiting_proposal.html", context)


def _waiting_url(user: Any, kabupaten_code: str) -> str:
    url = reverse("kepesertaan:waiting")
    return url if user.role == Role.DINSOS else f"{url}?kabupaten={kabupaten_code}"
