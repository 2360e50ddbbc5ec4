from django.urls import URLPattern, path  # noqa: F401

app_name = "p2k2"
urlpatterns: list[URLPattern] = []
