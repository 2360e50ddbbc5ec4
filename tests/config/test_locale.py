"""Pages speak Indonesian by default, whatever the phone asks; the switcher chooses English."""

import pytest

pytestmark = pytest.mark.django_db


def test_indonesian_even_when_the_browser_prefers_english(client):
    response = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id"
    assert '<html lang="id">' in response.content.decode()


def test_the_language_switcher_sets_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    assert response.status_code == 302
    page = client.get("/masuk/")
    assert page["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()


def test_an_unknown_language_cookie_falls_back_to_indonesian(client):
    client.cookies["django_language"] = "xx"
    assert client.get("/masuk/")["Content-Language"] == "id"
