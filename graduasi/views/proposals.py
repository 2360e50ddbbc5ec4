"""Proposal pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from graduasi.models import Proposal
from pengguna.scoping import get_visible_or_404


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Placeholder until the proposal page exists: the KPM's profile."""
    proposal = get_visible_or_404(Proposal.objects.select_related("kpm"), request.user, pk=pk)
    return redirect("kpm:profile", proposal.kpm.kpm_id)
