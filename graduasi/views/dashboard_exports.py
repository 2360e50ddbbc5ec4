"""Dashboard exports and the monthly report (placeholder until built)."""

from django.http import HttpRequest, HttpResponse


def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    raise NotImplementedError


def report(request: HttpRequest, code: str) -> HttpResponse:
    raise NotImplementedError
