"""The KPM profile: the household, its graduation status, its members' components and
benefit, and its history."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from graduasi.selectors import policy_on
from graduasi.views.sections import profile_section as proposal_section
from kpm.models import Kpm
from kpm.selectors import kpm_profile
from kpm.views.caseload import CASELOAD_ROLES, role_required
from kpm.views.membership import profile_section as exit_section
from pemberdayaan.views.sections import profile_section as graduation_section
from pengguna.models import Role, User
from pengguna.scoping import get_visible_or_404, may_write_case


def sees_full_nik(user: User, kpm: Kpm) -> bool:
    """The KPM's own pendamping and the Dinsos officer work with the full NIK; others see it
    masked (DESIGN §6)."""
    if user.role == Role.DINSOS:
        return True
    return (
        user.role == Role.PENDAMPING
        and kpm.pendamping is not None
        and (kpm.pendamping.user_id == user.pk)
    )


@role_required(*CASELOAD_ROLES)
def profile(request: HttpRequest, kpm_id: str) -> HttpResponse:
    """One KPM the user may see; out of scope answers 404 like an unknown id."""
    user = request.user
    assert isinstance(user, User)
    kpm = get_visible_or_404(
        Kpm.objects.select_related(
            "desa__kecamatan__kabupaten", "pendamping__user", "graduation_assessment"
        ),
        user,
        kpm_id=kpm_id,
    )
    on = timezone.localdate()
    policy = policy_on(on)
    data = kpm_profile(kpm, on=on, policy=policy, full_nik=sees_full_nik(user, kpm))
    context = {
        "p": data,
        "kpm": kpm,
        "on": on,
        "policy": policy,
        "can_write": may_write_case(user),
    }
    # Each app adds its own part of the profile under its own keys.
    for section in (proposal_section, graduation_section, exit_section):
        context.update(section(request, kpm))
    return render(request, "kpm/kpm_profile.html", context)
