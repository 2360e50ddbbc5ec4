"""Correction requests (Koreksi data): a person asks, through their pendamping or a Dinsos
officer, to correct a member's name, NIK, birth date, sex, relationship or address; another
Dinsos officer of the kabupaten approves (the data is corrected at once) or rejects with the
reason.

Who: pendamping, Dinsos and admin, on members of KPM they see (pengguna.scoping); a member or
request out of scope is a 404. Only a Dinsos officer decides, never the one who filed. Lists
show a NIK masked; a request's page shows it whole to the KPM's own pendamping and to Dinsos.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import DomainError
from kpm.forms_corrections import CorrectionForm, DecisionForm
from kpm.models import Anggota, CorrectionField, CorrectionRequest, CorrectionStatus
from kpm.selectors.corrections import (
    correction_for_page,
    correction_rows,
    corrections_decided,
    corrections_of_member,
    corrections_open,
    shown_value,
)
from kpm.services.corrections import (
    correction_request_approve,
    correction_request_file,
    correction_request_reject,
    may_decide_corrections,
    member_facts,
)
from kpm.views.caseload import role_required
from kpm.views.profile import sees_full_nik
from pengguna.models import Role, User
from pengguna.scoping import get_visible_or_404

CORRECTION_ROLES = (Role.PENDAMPING, Role.DINSOS, Role.ADMIN)
PER_PAGE = 25


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _member(request: HttpRequest, pk: int) -> Anggota:
    return get_visible_or_404(
        Anggota.objects.select_related("kpm__pendamping__user", "kpm__desa"), request.user, pk=pk
    )


@role_required(*CORRECTION_ROLES)
@require_GET
def correction_list(request: HttpRequest) -> HttpResponse:
    """Open requests (for Dinsos: to decide, the oldest first) and the latest decisions."""
    user = _user(request)
    page = Paginator(corrections_open(user), PER_PAGE).get_page(request.GET.get("halaman"))
    context = {
        "page": page,
        "rows": correction_rows(list(page.object_list)),
        "decided": correction_rows(corrections_decided(user)),
        "prev_url": f"?halaman={page.number - 1}" if page.has_previous() else "",
        "next_url": f"?halaman={page.number + 1}" if page.has_next() else "",
        "numbered": True,
        "decides": may_decide_corrections(user),
    }
    return render(request, "kpm/correction_list.html", context)


@role_required(*CORRECTION_ROLES)
@require_GET
def correction_member(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's data as held, a link to ask a correction of each, and their requests."""
    member = _member(request, pk)
    full = sees_full_nik(_user(request), member.kpm)
    facts = member_facts(member, member.kpm)
    fields = [
        (choice.value, choice.label, shown_value(choice, facts.value(choice), full_nik=full))
        for choice in CorrectionField
    ]
    context = {
        "member": member,
        "kpm": member.kpm,
        "fields": fields,
        "rows": correction_rows(corrections_of_member(member)),
    }
    return render(request, "kpm/correction_member.html", context)


@role_required(*CORRECTION_ROLES)
@require_http_methods(["GET", "POST"])
def correction_create(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Ask for one field of a member's data to be corrected."""
    if field not in CorrectionField.values:
        raise Http404
    member = _member(request, pk)
    user = _user(request)
    form = CorrectionForm(request.POST if request.method == "POST" else None, field=field)
    if request.method == "POST" and form.is_valid():
        try:
            correction = correction_request_file(
                anggota=member, actor=user, field=field, value=form.value(),
                reason=form.cleaned_data["alasan"],
            )  # fmt: skip
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request, _("Permintaan koreksi tercatat; menunggu keputusan Dinas Sosial.")
            )
            return redirect("koreksi:detail", correction.pk)
    now = member_facts(member, member.kpm).value(field)
    context = {
        "form": form,
        "member": member,
        "kpm": member.kpm,
        "field_label": CorrectionField(field).label,
        "now": shown_value(field, now, full_nik=sees_full_nik(user, member.kpm)),
    }
    return render(request, "kpm/correction_form.html", context, status=400 if form.errors else 200)


@role_required(*CORRECTION_ROLES)
@require_GET
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: what was asked, by whom, why; the decision, or the forms to decide."""
    return _detail(request, correction_for_page(_user(request), pk))


def _detail(
    request: HttpRequest,
    correction: CorrectionRequest,
    *,
    status: int = 200,
    error: str = "",
    forms: dict[str, DecisionForm] | None = None,
) -> HttpResponse:
    user = _user(request)
    full = sees_full_nik(user, correction.anggota.kpm)
    open_ = correction.status == CorrectionStatus.SUBMITTED
    decides = open_ and may_decide_corrections(user) and correction.requested_by_id != user.pk
    forms = forms or {}
    context = {
        "correction": correction,
        "member": correction.anggota,
        "kpm": correction.anggota.kpm,
        "row": correction_rows([correction], full_nik=full)[0],
        "decides": decides,
        "own_request": open_ and correction.requested_by_id == user.pk,
        "error": error,
        "approve_form": forms.get("approve") or DecisionForm(auto_id="id_approve_%s"),
        "reject_form": forms.get("reject") or DecisionForm(auto_id="id_reject_%s"),
    }
    return render(request, "kpm/correction_detail.html", context, status=status)


@role_required(Role.DINSOS)
@require_POST
def correction_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer approves (the note is optional): the data is corrected now."""
    return _decide(request, pk, "approve")


@role_required(Role.DINSOS)
@require_POST
def correction_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer rejects, with the reason."""
    return _decide(request, pk, "reject")


def _decide(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = _user(request)
    correction = correction_for_page(user, pk)
    form = DecisionForm(request.POST, auto_id=f"id_{name}_%s")
    if not form.is_valid():
        return _detail(request, correction, status=400, forms={name: form})
    note = form.cleaned_data["catatan"]
    try:
        if name == "approve":
            correction_request_approve(correction=correction, officer=user, note=note)
        else:
            correction_request_reject(correction=correction, officer=user, reason=note)
    except DomainError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied from exc
        beside_note = exc.code in DecisionForm.error_fields
        if beside_note:
            form.add_domain_error(exc)
        status = 409 if exc.code == "conflict" else 400
        fresh = correction_for_page(user, pk)  # as decided by another officer, if so
        error = "" if beside_note else exc.message
        return _detail(request, fresh, status=status, error=error, forms={name: form})
    done = (
        _("Koreksi disetujui; data sudah diubah.")
        if name == "approve"
        else _("Permintaan ditolak.")
    )
    messages.success(request, done)
    return redirect("koreksi:detail", pk)
