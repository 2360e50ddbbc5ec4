from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kpm.models import Kpm
from pengguna.models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Beranda: what the signed-in user answers for, and where to go next."""
    visible = Kpm.objects.visible_to(request.user)
    context = {
        "kpm_count": visible.count(),
        "can_import": request.user.role in (Role.DINSOS, Role.ADMIN),
    }
    return render(request, "pengguna/home.html", context)
