"""API routes of this part, included under /api/v1/ by config/urls_api.py."""

from django.urls import URLPattern, path

from pemberdayaan.api import ReferralOutcomeView

urlpatterns: list[URLPattern] = [
    path(
        "referrals/<int:pk>/outcome",
        ReferralOutcomeView.as_view(),
        name="referral-outcome",
    ),
]
