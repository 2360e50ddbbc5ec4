"""Requests per minute per API client: each agency client at the rate its agreement sets, each
officer's own key at `API_STAFF_RATE_PER_MINUTE`. Over the rate: 429 with `Retry-After`. Counts
live in the shared cache (Redis in production) so every web process sees the same numbers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # DRF imports this module while rest_framework.views is still loading
    from rest_framework.request import Request
    from rest_framework.views import APIView

log = logging.getLogger(__name__)


class ClientRateThrottle(SimpleRateThrottle):
    """One window per agency client (all its keys together) or per officer's key. Web sessions
    are not throttled here. If the cache is unreachable the request is let through, logged."""

    scope = "api_client"

    def get_rate(self) -> str | None:
        return None  # the rate comes from the client, per request

    def allow_request(self, request: Request, view: APIView) -> bool:
        from pengguna.models import ApiKey

        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        if key.client is not None:
            self.key = f"throttle:client:{key.client_id}"
            self.num_requests = key.client.rate_per_minute
        else:
            self.key = f"throttle:key:{key.pk}"
            self.num_requests = settings.API_STAFF_RATE_PER_MINUTE
        self.duration = 60
        try:
            self.history = self.cache.get(self.key, [])
            self.now = self.timer()
            while self.history and self.history[-1] <= self.now - self.duration:
                self.history.pop()
            if len(self.history) >= self.num_requests:
                return self.throttle_failure()
            return self.throttle_success()
        except Exception:  # a cache outage must not stop the API
            log.warning("API throttle cache unreachable; request let through", exc_info=True)
            return True

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return getattr(self, "key", None)
