"""URLs for referrals, follow-ups and the at-risk list (mounted at /pemberdayaan/)."""

from django.urls import path

from pemberdayaan.views.follow_ups import follow_up_record_view
from pemberdayaan.views.referrals import referral_add_view, referral_list, referral_status
from pemberdayaan.views.risk import at_risk_list

app_name = "pemberdayaan"

urlpatterns = [
    path("berisiko/", at_risk_list, name="at_risk"),
    path("rujukan/", referral_list, name="referrals"),
    path("rujukan/<int:pk>/status/", referral_status, name="referral_status"),
    path("kpm/<str:kpm_id>/rujukan/", referral_add_view, name="referral_add"),
    path("tindak-lanjut/<int:pk>/", follow_up_record_view, name="follow_up"),
]
