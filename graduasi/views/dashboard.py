"""Dashboard pages (placeholder until built)."""

from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def nation(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def region(request: HttpRequest, code: str) -> HttpResponse:
    raise NotImplementedError


def pendamping(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError


def run_record(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
