from django.urls import path

from luring import views

app_name = "luring"
urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("luring/", views.offline, name="offline"),
    path("luring/halaman/", views.pages, name="pages"),
]
