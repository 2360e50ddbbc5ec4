from django.urls import path

from kpm.views import caseload, profile
from kpm.views import imports as views

app_name = "kpm"
urlpatterns = [
    path("impor/", views.import_upload, name="import_upload"),
    path("impor/contoh.csv", views.import_sample, name="import_sample"),
    path("impor/<int:pk>/", views.import_detail, name="import_detail"),
    path("impor/<int:pk>/konfirmasi/", views.import_confirm, name="import_confirm"),
    path("impor/<int:pk>/batal/", views.import_cancel, name="import_cancel"),
    path("impor/<int:pk>/kemajuan/", views.import_progress, name="import_progress"),
    path("impor/<int:pk>/kesalahan.csv", views.import_errors_csv, name="import_errors_csv"),
    # Caseload and profile come after the import routes: "kpm/<kpm_id>/" would match "impor".
    path("", caseload.caseload, name="caseload"),
    path("pindah-pendamping/", caseload.reassign, name="reassign"),
    path("<str:kpm_id>/", profile.profile, name="profile"),
]
