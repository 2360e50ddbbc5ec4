"""API routes of this part, included under /api/v1/ by config/urls_api.py."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
