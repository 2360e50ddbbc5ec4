"""Requests per minute per API client: over its agreement's rate a client gets 429 with
`Retry-After` and an Indonesian message; all keys of one client share one window, other clients
have their own; officers' keys use the staff rate; web sessions are not counted. In production
the counts live in Redis, shared by every web process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import IsAgencyClient
from pengguna.api_clients import api_key_issue
from tests.conftest import bearer, make_api_client, needs_service

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

AGENCY_URL = "/lembaga/"
ANYONE_URL = "/siapa-saja/"


class AgencyOnly(APIView):
    """Test-only: an endpoint an agency client is allowed on (throttles run after permissions)."""

    permission_classes = [IsAgencyClient]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class SignedIn(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [path("lembaga/", AgencyOnly.as_view()), path("siapa-saja/", SignedIn.as_view())]


def statuses(client, url: str, n: int, **headers) -> list[int]:
    return [client.get(url, **headers).status_code for _ in range(n)]


def test_the_request_over_the_rate_gets_429_with_retry_after(client, world):
    _api_client, raw = make_api_client(rate_per_minute=3)

    assert statuses(client, AGENCY_URL, 3, **bearer(raw)) == [200, 200, 200]
    response = client.get(AGENCY_URL, **bearer(raw))

    assert response.status_code == 429
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"] == f"Terlalu banyak permintaan; coba lagi dalam {retry_after} detik."


def test_two_keys_of_one_client_share_its_window(client, world):
    api_client, first = make_api_client(rate_per_minute=3)
    _key, second = api_key_issue(by=None, client=api_client)

    assert statuses(client, AGENCY_URL, 2, **bearer(first)) == [200, 200]
    assert statuses(client, AGENCY_URL, 2, **bearer(second)) == [200, 429]
    assert client.get(AGENCY_URL, **bearer(first)).status_code == 429


def test_another_client_is_unaffected(client, world):
    _busy, busy_raw = make_api_client("PNM Mekaar", rate_per_minute=3)
    _calm, calm_raw = make_api_client("KemenKopUKM Pelatihan", rate_per_minute=3)

    assert statuses(client, AGENCY_URL, 4, **bearer(busy_raw))[-1] == 429

    assert statuses(client, AGENCY_URL, 3, **bearer(calm_raw)) == [200, 200, 200]


def test_an_officers_key_uses_the_staff_rate(client, world, settings):
    settings.API_STAFF_RATE_PER_MINUTE = 2
    _key, raw = api_key_issue(by=None, user=world.dinsos_kota)
    _other, other_raw = api_key_issue(by=None, user=world.kementerian_national)

    assert statuses(client, ANYONE_URL, 3, **bearer(raw)) == [200, 200, 429]
    assert statuses(client, ANYONE_URL, 2, **bearer(other_raw)) == [200, 200]


def test_a_web_session_is_not_throttled(client, world, settings):
    settings.API_STAFF_RATE_PER_MINUTE = 2
    client.force_login(world.dinsos_kota)

    assert statuses(client, ANYONE_URL, 6) == [200] * 6


REDIS_URL = os.environ.get("CACHE_URL") or os.environ.get(
    "CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"
)

# Another process with the same cache settings: it reads the client's window and adds one
# request to it, as a second web process would.
OTHER_PROCESS = """
import json, sys, time
import django
from django.conf import settings
settings.configure(CACHES=json.loads(sys.argv[1]))
django.setup()
from django.core.cache import cache
history = cache.get(sys.argv[2], [])
print(len(history))
cache.set(sys.argv[2], [time.time(), *history], 60)
"""


@pytest.fixture
def redis_cache(settings):
    """The default cache on the test Redis, under a prefix of this test's own."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        needs_service("Redis", f"{REDIS_URL}: {exc}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"pkh-throttle-test-{uuid.uuid4().hex}",
        }
    }
    return settings.CACHES


@pytest.mark.redis
def test_the_counts_are_shared_with_other_processes_through_redis(client, world, redis_cache):
    api_client, raw = make_api_client(rate_per_minute=3)
    assert statuses(client, AGENCY_URL, 2, **bearer(raw)) == [200, 200]

    other = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, json.dumps(redis_cache), throttle_key(api_client)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert other.stdout.strip() == "2"  # it saw this process's two requests
    assert client.get(AGENCY_URL, **bearer(raw)).status_code == 429  # and its own counted


def throttle_key(api_client) -> str:
    """The cache key config.throttling keeps a client's window under."""
    return f"throttle:client:{api_client.pk}"
