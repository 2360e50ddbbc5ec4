"""Home visits: /kunjungan/..."""

from django.urls import path

from pendamping.views import visits as views

app_name = "kunjungan"
urlpatterns = [
    path("foto/<int:pk>/", views.visit_photo, name="photo"),
    path("<str:kpm_id>/baru/", views.visit_create, name="create"),
]
