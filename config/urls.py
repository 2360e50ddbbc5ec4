from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("pengguna.urls")),
    path("", include("luring.urls")),
    path("kpm/", include("kpm.urls")),
    path("anggota/", include("kpm.urls_household")),
    path("kunjungan/", include("pendamping.urls_visits")),
    path("komitmen/", include("pendamping.urls_commitments")),
    path("p2k2/", include("pendamping.urls_p2k2")),
    path("usulan/", include("graduasi.urls")),
    path("pemberdayaan/", include("pemberdayaan.urls")),
    path("kepesertaan/", include("kpm.urls_membership")),
    path("koreksi/", include("kpm.urls_corrections")),
    path("dasbor/", include("graduasi.urls_dashboard")),
    path("api/v1/", include("config.urls_api")),
]

# Uploaded files (visit photos, import files) are never served from MEDIA_URL: each has a view
# that checks who may see it.

handler404 = "config.handlers.page_not_found"
handler500 = "config.handlers.server_error"
