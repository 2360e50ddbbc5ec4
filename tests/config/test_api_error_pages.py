"""Under /api/ even an unknown address or a crash answers in the API's JSON error shape."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path

from config.handlers import server_error


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/boom/", _boom),
    path("boom/", _boom),
]
handler500 = server_error


@pytest.mark.django_db
def test_an_unknown_api_address_is_a_json_404():
    response = Client().get("/api/v1/tidak-ada/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "Data tidak ditemukan."}


@pytest.mark.django_db
def test_an_unknown_page_outside_the_api_is_not_json():
    response = Client().get("/tidak-ada/")
    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]


@pytest.mark.django_db
@pytest.mark.urls("tests.config.test_api_error_pages")
def test_a_crash_under_the_api_is_a_json_500_and_elsewhere_an_html_page():
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/boom/")
    assert api.status_code == 500
    assert api.json()["code"] == "server_error"
    page = client.get("/boom/")
    assert page.status_code == 500
    assert "application/json" not in page["Content-Type"]
