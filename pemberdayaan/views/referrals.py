"""Referrals: the list for Dinsos (their kabupaten, with status changes) and the ministry
(read-only), a status change, and one more referral from the KPM's profile. Out of scope is
404; a role that only reads gets 403 on a change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import DomainError
from kpm.models import Kpm
from kpm.views.caseload import role_required
from kpm.views.household import kpm_profile_url
from pemberdayaan.forms import ReferralAddForm, ReferralFilterForm, ReferralStatusForm
from pemberdayaan.models import Referral
from pemberdayaan.selectors import referral_counts, referral_rows
from pemberdayaan.services.referrals import referral_add, referral_status_change
from pemberdayaan.views.sections import referral_row
from pengguna.models import Role, User
from pengguna.scoping import get_visible_or_404

PER_PAGE = 25
LIST_ROLES = (Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)


def page_url(params: QueryDict, number: int) -> str:
    """The same list with the same filters, on page `number`."""
    query = params.copy()
    query["halaman"] = str(number)
    return f"?{query.urlencode()}"


def pages(params: QueryDict, rows: Any) -> dict[str, Any]:
    """One page of `rows` and the links to the pages beside it."""
    page = Paginator(rows, PER_PAGE).get_page(params.get("halaman"))
    query = params.copy()
    query.pop("halaman", None)
    return {
        "page": page,
        "prev_url": page_url(query, page.number - 1) if page.has_previous() else "",
        "next_url": page_url(query, page.number + 1) if page.has_next() else "",
    }


@role_required(*LIST_ROLES)
def referral_list(request: HttpRequest) -> HttpResponse:
    """Rujukan: the referrals in the user's scope by status and programme, counted per
    status; a Dinsos officer moves each one step on from here."""
    user = request.user
    assert isinstance(user, User)
    form = ReferralFilterForm(request.GET)
    status, programme = "", None
    if form.is_valid():
        status = form.cleaned_data["status"] or ""
        chosen = form.cleaned_data["program"]
        programme = chosen.pk if chosen is not None else None
    paged = pages(request.GET, referral_rows(user, status=status, programme=programme))
    context = {
        "form": form,
        "counts": referral_counts(user, programme=programme),
        "status": status,
        "rows": [referral_row(r) for r in paged["page"].object_list],
        "can_change": user.role == Role.DINSOS,
        "here": request.get_full_path(),
        **paged,
    }
    return render(request, "pemberdayaan/referral_list.html", context)


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else fallback


@role_required(Role.DINSOS)
@require_POST
def referral_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one referral to its next status, then back to the page it was changed from."""
    referral = get_visible_or_404(
        Referral.objects.select_related("kpm", "programme"), request.user, pk=pk
    )
    form = ReferralStatusForm(request.POST)
    back = _back(request, reverse("pemberdayaan:referrals"))
    if not form.is_valid():
        messages.error(request, _("Pilih status rujukan dari daftar."))
        return redirect(back)
    try:
        saved = referral_status_change(
            referral=referral, actor=request.user,
            to=form.cleaned_data["to"], note=form.cleaned_data["note"],
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Rujukan KPM %(kpm)s ke %(programme)s kini %(status)s.")
            % {
                "kpm": referral.kpm.kpm_id,
                "programme": referral.programme.name,
                "status": saved.get_status_display().lower(),
            },
        )
    return redirect(back)


@role_required(Role.DINSOS)
@require_http_methods(["GET", "POST"])
def referral_add_view(request: HttpRequest, kpm_id: str) -> HttpResponse:
    """Refer a graduated family to one more programme; back to its profile once saved."""
    kpm = get_visible_or_404(Kpm.objects.all(), request.user, kpm_id=kpm_id)
    posted = request.method == "POST"
    form = ReferralAddForm(request.POST if posted else None, kpm=kpm)
    if posted and form.is_valid():
        try:
            referral = referral_add(kpm=kpm, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _("KPM %(kpm)s dirujuk ke %(programme)s.")
                % {"kpm": kpm.kpm_id, "programme": referral.programme.name},
            )
            return redirect(kpm_profile_url(kpm.kpm_id))
    return render(request, "pemberdayaan/referral_add.html", {"form": form, "kpm": kpm})
