"""404 and 500 for the whole site: under /api/ the API's JSON error shape, so a caller never
has to parse an HTML page; elsewhere Django's own pages."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"code": "not_found", "detail": _("Data tidak ditemukan.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    from config.db_errors import database_lost, database_unavailable  # it imports this module

    if database_lost(sys.exc_info()[1]):  # raised before the view, e.g. reading the session
        return database_unavailable(request)
    if request.path.startswith(API_PREFIX):
        detail = _("Terjadi kesalahan di server; coba lagi nanti.")
        return JsonResponse({"code": "server_error", "detail": detail}, status=500)
    return defaults.server_error(request)
