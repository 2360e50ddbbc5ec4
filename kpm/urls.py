from django.urls import path

app_name = "kpm"
urlpatterns: list = []
