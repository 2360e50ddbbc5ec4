"""Household changes: /anggota/..."""

from django.urls import path

from kpm.views import household as views

app_name = "anggota"
urlpatterns = [
    path("<str:kpm_id>/kelahiran/", views.anggota_birth, name="birth"),
    path("<int:pk>/kehamilan/", views.anggota_pregnancy, name="pregnancy"),
    path("<int:pk>/sekolah/", views.anggota_school, name="school"),
    path("<int:pk>/keluar/", views.anggota_exit_view, name="exit"),
]
