from django.urls import path

from pendamping.views import p2k2 as views

app_name = "p2k2"
urlpatterns = [
    path("", views.p2k2_groups, name="groups"),
    path("kelompok/baru/", views.p2k2_group_create_view, name="group_create"),
    path("kelompok/<int:pk>/", views.p2k2_group_view, name="group"),
    path("kelompok/<int:pk>/pertemuan/baru/", views.p2k2_meeting_create, name="meeting_create"),
    path("pertemuan/<int:pk>/", views.p2k2_meeting_view, name="meeting"),
]
