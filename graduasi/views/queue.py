"""The Dinsos queue of graduation proposals: what waits on the officer, oldest first, with
filters and a summary; a tab for proposals returned to the pendamping and one for those
decided in the last 30 days. Kementerian staff and admins may look at it too (read only: the
decisions are taken on each proposal's page)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from graduasi.forms import QueueFilterForm
from graduasi.proposal_selectors import (
    DECIDED_DAYS,
    queue_kecamatan_choices,
    queue_pendamping_choices,
    queue_proposals,
    queue_summary,
)
from kpm.views.caseload import role_required
from pengguna.models import Role, User

PER_PAGE = 50
QUEUE_ROLES = (Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN)


def _page_url(params: QueryDict, number: int) -> str:
    query = params.copy()
    query["halaman"] = str(number)
    return f"?{query.urlencode()}"


def _tab_url(params: QueryDict, tab: str) -> str:
    query = params.copy()
    query.pop("halaman", None)
    query["tab"] = tab
    return f"?{query.urlencode()}"


def _tabs() -> list[tuple[str, str]]:
    return [
        ("diajukan", _("Menunggu keputusan")),
        ("dikembalikan", _("Dikembalikan ke pendamping")),
        ("diputuskan", _("Diputuskan %(n)s hari terakhir") % {"n": DECIDED_DAYS}),
    ]


@role_required(*QUEUE_ROLES)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Usulan graduasi: the proposals in the user's scope waiting for a decision."""
    user = request.user
    assert isinstance(user, User)
    on = timezone.localdate()
    form = QueueFilterForm(
        request.GET,
        kecamatan=queue_kecamatan_choices(user),
        pendamping=queue_pendamping_choices(user),
    )
    filters = form.filters()
    page = Paginator(queue_proposals(user, filters, on=on), PER_PAGE).get_page(
        request.GET.get("halaman")
    )
    query = request.GET.copy()
    query.pop("halaman", None)
    context = {
        "form": form,
        "filters": filters,
        "summary": queue_summary(user, on=on),
        "page": page,
        "rows": list(page.object_list),
        "prev_url": _page_url(query, page.number - 1) if page.has_previous() else "",
        "next_url": _page_url(query, page.number + 1) if page.has_next() else "",
        "tabs": [(tab, label, _tab_url(query, tab)) for tab, label in _tabs()],
        "filtered": any(v for k, v in request.GET.items() if k not in ("halaman", "tab")),
        "decided_days": DECIDED_DAYS,
        "on": on,
    }
    return render(request, "graduasi/proposal_queue.html", context)
