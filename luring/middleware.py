"""Marks the pages a pendamping's phone may keep for offline work."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from luring.selectors import KEPT_ROUTES
from pengguna.models import Role

KEEP_HEADER = "X-Luring"


class OfflinePageMiddleware:
    """A successful GET of a keepable page, answered to a pendamping, carries `X-Luring: simpan`:
    the service worker keeps only what carries it, so no other role's pages, no other route and
    no refusal ever reaches the phone's cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if (
            request.method == "GET"
            and response.status_code == 200
            and match is not None
            and match.view_name in KEPT_ROUTES
            and getattr(request.user, "role", None) == Role.PENDAMPING
            and not request.headers.get("HX-Request")
            and not _showed_messages(request)
        ):
            response[KEEP_HEADER] = "simpan"
        return response


def _showed_messages(request: HttpRequest) -> bool:
    """A page that showed a one-time message ("Kunjungan tersimpan") is not kept: offline it
    would show the message again. The next plain load of the page keeps it."""
    storage = getattr(request, "_messages", None)
    return bool(storage is not None and storage.used)
