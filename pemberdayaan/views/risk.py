"""Berisiko: graduated families at risk of falling back, in the user's scope (Dinsos, the
ministry, admins), filtered by region and reason, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kpm.models import Kpm
from kpm.views.caseload import role_required
from pemberdayaan.forms import AtRiskFilterForm
from pemberdayaan.selectors import at_risk_rows
from pemberdayaan.views.referrals import pages
from pemberdayaan.views.sections import RISK_ROLES
from pemberdayaan.views.words import risk_sentences
from pengguna.models import User


@dataclass(frozen=True)
class AtRiskRow:
    kpm: Kpm
    reasons: list[str]


@role_required(*RISK_ROLES)
def at_risk_list(request: HttpRequest) -> HttpResponse:
    """The at-risk list: each family's reasons in words, graduation date, pendamping and
    kecamatan."""
    user = request.user
    assert isinstance(user, User)
    form = AtRiskFilterForm(request.GET, user=user)
    region, reason = "", ""
    if form.is_valid():
        region, reason = form.cleaned_data["wilayah"], form.cleaned_data["alasan"]
    paged = pages(request.GET, at_risk_rows(user, region=region, reason=reason))
    rows = [AtRiskRow(k, risk_sentences(k.risk_reasons)) for k in paged["page"].object_list]
    context = {
        "form": form,
        "rows": rows,
        "filtered": bool(region or reason),
        **paged,
    }
    return render(request, "pemberdayaan/at_risk_list.html", context)
