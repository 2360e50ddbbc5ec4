from django.urls import path

from pendamping.views import commitments as views

app_name = "komitmen"
urlpatterns = [
    path("<str:kpm_id>/", views.commitment_grid_view, name="grid"),
]
