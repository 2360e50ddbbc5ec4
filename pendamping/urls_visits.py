"""Home visits: /kunjungan/..."""

from django.urls import path

from pendamping.views import visits as views

app_name = "kunjungan"
urlpatterns = [
    path("<str:kpm_id>/baru/", views.visit_create, name="create"),
]
