from django.urls import URLPattern, path  # noqa: F401

app_name = "komitmen"
urlpatterns: list[URLPattern] = []
