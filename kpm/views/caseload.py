"""The caseload list (Daftar KPM) and the Dinsos bulk reassignment from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.errors import DomainError
from graduasi.models import AssessmentStatus
from graduasi.selectors import policy_on
from kpm.filters import CaseloadFilter
from kpm.forms_caseload import ReassignForm
from kpm.models import Kpm
from kpm.selectors import CASELOAD_PER_PAGE, VISIT_DUE_DAYS, caseload_rows
from kpm.services.caseload import REASSIGN_ROLES, kpm_reassign_bulk
from pendamping.models import Pendamping
from pengguna.models import Role, User

PER_PAGE = CASELOAD_PER_PAGE
CASELOAD_ROLES = (Role.PENDAMPING, Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponseBase]], Any]:
    """Signed-in users of these roles only; any other role is refused (403)."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


@dataclass(frozen=True)
class CaseloadRow:
    kpm: Kpm
    days_since_visit: int | None
    visit_due: bool
    graduasi_status: str | None  # None: not assessed (yet, or no longer active)

    @property
    def graduasi_label(self) -> str:
        return str(AssessmentStatus(self.graduasi_status).label) if self.graduasi_status else ""


def _row(kpm: Kpm, on: date) -> CaseloadRow:
    days = (on - kpm.last_visit_on).days if kpm.last_visit_on else None
    status = getattr(kpm, "graduasi_status", None)
    return CaseloadRow(kpm, days, days is None or days > VISIT_DUE_DAYS, status)


def _ticked(form: ReassignForm | None) -> set[str]:
    """The kpm_id ticked in a refused form, so the page shows them ticked again."""
    if form is None or not isinstance(form.data, QueryDict):
        return set()
    return set(form.data.getlist("kpm_ids"))


def _page_url(params: QueryDict, number: int) -> str:
    query = params.copy()
    query["halaman"] = str(number)
    return f"?{query.urlencode()}"


def caseload_context(
    request: HttpRequest, params: QueryDict, *, form: ReassignForm | None = None
) -> dict[str, Any]:
    """What the caseload page shows for these search and filter values."""
    user = request.user
    assert isinstance(user, User)
    on = timezone.localdate()
    filterset = CaseloadFilter(params, caseload_rows(user), user=user, on=on, policy=policy_on(on))
    page = Paginator(filterset.qs, PER_PAGE).get_page(params.get("halaman"))
    query = params.copy()
    query.pop("halaman", None)
    can_reassign = user.role in REASSIGN_ROLES
    if can_reassign and form is None:
        form = ReassignForm(user=user, initial={"kembali": params.urlencode()})
    return {
        "filter": filterset,
        "page": page,
        "rows": [_row(kpm, on) for kpm in page.object_list],
        "prev_url": _page_url(query, page.number - 1) if page.has_previous() else "",
        "next_url": _page_url(query, page.number + 1) if page.has_next() else "",
        "show_pendamping": user.role != Role.PENDAMPING,
        "reassign_form": form,
        "ticked": _ticked(form),
        "filtered": any(v for k, v in params.items() if k not in ("halaman", "urut")),
    }


@role_required(*CASELOAD_ROLES)
def caseload(request: HttpRequest) -> HttpResponse:
    """Daftar KPM: the KPM the user may see, searched, filtered, sorted and paginated."""
    context = caseload_context(request, request.GET)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "hasil":
        return render(request, "kpm/kpm_caseload_results.html", context)
    return render(request, "kpm/kpm_caseload.html", context)


def _back_to_caseload(kembali: str) -> str:
    query = QueryDict(kembali).urlencode()
    return reverse("kpm:caseload") + (f"?{query}" if query else "")


def _tell_moved(request: HttpRequest, moved: int, pendamping: Pendamping) -> None:
    if not moved:
        messages.info(request, _("Tidak ada yang berubah: KPM itu sudah di pendamping ini."))
        return
    text = ngettext("%(n)s KPM dipindahkan ke %(p)s.", "%(n)s KPM dipindahkan ke %(p)s.", moved) % {
        "n": moved,
        "p": pendamping,
    }
    messages.success(request, text)


@role_required(*REASSIGN_ROLES)
@require_POST
def reassign(request: HttpRequest) -> HttpResponse:
    """Move the ticked KPM to one pendamping; a refusal keeps the ticks and the choice."""
    user = request.user
    assert isinstance(user, User)
    form = ReassignForm(request.POST, user=user)
    if form.is_valid():
        pendamping = form.cleaned_data["pendamping"]
        try:
            moved = kpm_reassign_bulk(
                kpm_ids=form.cleaned_data["kpm_ids"], pendamping=pendamping, actor=user
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            _tell_moved(request, moved, pendamping)
            return redirect(_back_to_caseload(form.cleaned_data["kembali"]))
    params = QueryDict(str(form.data.get("kembali", "")))
    context = caseload_context(request, params, form=form)
    return render(request, "kpm/kpm_caseload.html", context, status=400)
