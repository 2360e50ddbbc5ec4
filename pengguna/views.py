"""The Beranda (home) page and the user's notices (signing in and out: pengguna.views_auth)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from graduasi.rules import Policy
from graduasi.selectors import candidate_overview, pendamping_target, policy_on
from graduasi.views.sections import beranda_section as proposals_section
from kpm.models import Kpm
from kpm.selectors import worklist
from pemberdayaan.views.sections import beranda_section as follow_ups_section
from pendamping.models import Pendamping
from pengguna.models import Notice, Role, User
from pengguna.services import notices_mark_read, notices_unread
from wilayah.models import Kabupaten, Provinsi


def _region_name(code: str) -> str:
    model = Provinsi if len(code) == 2 else Kabupaten
    name = model.objects.filter(code=code).values_list("name", flat=True).first()
    return f"{code} {name}" if name else code


def scope_label(user: User) -> str:
    """In words, the KPM a user answers for (the rule itself lives in pengguna.scoping)."""
    match user.role:
        case Role.PENDAMPING:
            return _("KPM dampingan Anda")
        case Role.DINSOS | Role.KEMENTERIAN if user.scope_region_code:
            return _region_name(user.scope_region_code)
        case Role.KEMENTERIAN | Role.ADMIN:
            return _("Nasional")
        case Role.AGENCY:
            return _("KPM yang sudah graduasi")
    return _("Tidak ada")


# Roles whose Beranda shows today's work: the pendamping their own, Dinsos the kabupaten's.
WORKLIST_ROLES = (Role.PENDAMPING, Role.DINSOS)
CANDIDATES_SHOWN = 10


def _graduation(user: User, *, on: date, policy: Policy) -> dict[str, Any]:
    """The Beranda's graduation part: a pendamping's progress toward the yearly target and
    their first candidates without a proposal; for a Dinsos officer the kabupaten's count."""
    if user.role != Role.PENDAMPING:
        return {"candidates": candidate_overview(user, shown=0)}
    pendamping = Pendamping.objects.filter(user=user).first()
    target = pendamping_target(pendamping, on=on, policy=policy) if pendamping else None
    return {"target": target, "candidates": candidate_overview(user, shown=CANDIDATES_SHOWN)}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Beranda: who the user is, what they answer for, how many KPM that is, and for a
    pendamping or Dinsos officer today's work (visits, commitments, P2K2) counted per desa
    and graduation (target progress, candidates without a proposal)."""
    user = request.user
    assert isinstance(user, User)  # login_required guarantees a signed-in user
    context: dict[str, Any] = {
        "kpm_count": Kpm.objects.visible_to(user).count(),
        "scope_label": scope_label(user),
        "can_import": user.role in (Role.DINSOS, Role.ADMIN),
        "can_list": user.role in (Role.PENDAMPING, Role.DINSOS, Role.KEMENTERIAN, Role.ADMIN),
    }
    on = timezone.localdate()
    context["notices"] = notices_unread(user)
    # Each app adds its own part of the Beranda under its own keys.
    for section in (proposals_section, follow_ups_section):
        context.update(section(user, on=on))
    if user.role in WORKLIST_ROLES:
        policy = policy_on(on)
        context["on"] = on
        context["work"] = worklist(user, on=on, policy=policy)
        context["show_lists"] = user.role == Role.PENDAMPING
        context.update(_graduation(user, on=on, policy=policy))
    return render(request, "pengguna/home.html", context)


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    """The user's notices, newest first; opening one marks it read and follows its link."""
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        raw = request.POST.get("notice", "")
        notice_id = int(raw) if raw.isdigit() else None
        notices_mark_read(user=user, notice_id=notice_id)
        link = None
        if notice_id is not None:
            target = Notice.objects.filter(user=user, pk=notice_id)
            link = target.values_list("link", flat=True).first()
        safe = link and url_has_allowed_host_and_scheme(link, allowed_hosts=None)
        return redirect(link if safe and link else "pengguna_notices")
    rows = Notice.objects.filter(user=user)[:100]
    return render(request, "pengguna/notices.html", {"rows": rows})
