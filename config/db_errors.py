"""The database gone mid-request (its connection dropped, the server restarting, a failover)
answers 503 with Retry-After instead of a 500: nothing was half-saved (every service writes in
one transaction, which PostgreSQL rolls back when the connection dies), and the user can send
the same form again in a moment. Under /api/ the answer is the API's JSON error shape.

The middleware sees what a view raises; what a middleware raises before the view (reading the
session, say) reaches the 500 handler, which hands it here too (config.handlers.server_error).

The page is rendered without the request's context: looking up the signed-in user would ask
the database that is not there."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from config.handlers import API_PREFIX

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


def database_lost(exc: BaseException | None) -> bool:
    """Whether `exc` says the database could not be reached or the connection was lost."""
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 for a request the database could not finish, as JSON under /api/."""
    detail = _("Basis data sedang tidak dapat dihubungi; tidak ada yang tersimpan. Coba lagi.")
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse(
            {"code": "service_unavailable", "detail": detail}, status=503
        )
    else:
        html = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection raised by a view into database_unavailable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_lost(exception):
            return None
        log.error("database unavailable during %s %s", request.method, request.path,
                  exc_info=exception)  # fmt: skip
        return database_unavailable(request)
