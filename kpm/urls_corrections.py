"""Correction requests (Koreksi data): /koreksi/..."""

from django.urls import path

from kpm.views import corrections as views

app_name = "koreksi"
urlpatterns = [
    path("", views.correction_list, name="list"),
    path("anggota/<int:pk>/", views.correction_member, name="member"),
    path("anggota/<int:pk>/<str:field>/", views.correction_create, name="create"),
    path("<int:pk>/", views.correction_detail, name="detail"),
    path("<int:pk>/setujui/", views.correction_approve, name="approve"),
    path("<int:pk>/tolak/", views.correction_reject, name="reject"),
]
