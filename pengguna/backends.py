"""The lockout check before the password (django-axes), for sign-ins that come over HTTP."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' backend, first in AUTHENTICATION_BACKENDS: a locked-out username is refused
    before its password is checked. A call without a request (a script, a management command,
    a test of the password itself) comes from inside and is left to the next backend, where
    axes' own backend would refuse it outright; every web sign-in passes its request."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
