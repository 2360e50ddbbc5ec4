"""URLs for graduation proposals (pendamping and Dinsos)."""

from django.urls import path

from graduasi.views import proposals

app_name = "usulan"

urlpatterns = [
    path("<int:pk>/", proposals.detail, name="detail"),
]
