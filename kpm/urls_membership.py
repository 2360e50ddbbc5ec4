"""URLs for exits and the waiting list with its quota."""

from django.urls import path

from kpm.views import membership

app_name = "kepesertaan"

urlpatterns = [
    path("keluar/<str:kpm_id>/", membership.exit_record, name="exit"),
    path("daftar-tunggu/", membership.waiting_list, name="waiting"),
    path("usulan/<int:pk>/", membership.proposal_detail, name="proposal"),
]
