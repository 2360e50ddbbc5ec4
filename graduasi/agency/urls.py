"""API routes of this part, included under /api/v1/ by config/urls_api.py. The exports come
before the detail route, whose KPM ID would otherwise swallow them."""

from django.urls import URLPattern, path

from graduasi.agency.api import (
    GraduationDetailView,
    GraduationExportCsvView,
    GraduationExportNdjsonView,
    GraduationListView,
)

urlpatterns: list[URLPattern] = [
    path("graduations/", GraduationListView.as_view(), name="graduation-list"),
    path(
        "graduations/export.ndjson",
        GraduationExportNdjsonView.as_view(),
        name="graduation-export-ndjson",
    ),
    path("graduations/export.csv", GraduationExportCsvView.as_view(), name="graduation-export-csv"),
    path("graduations/<str:kpm_id>/", GraduationDetailView.as_view(), name="graduation-detail"),
]
