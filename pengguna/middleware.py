"""Two rules every request passes: a web session ends after its time limits, and an account that
needs a second factor reaches nothing but the second-factor pages until it has given one.

SessionLimitsMiddleware goes after AuthenticationMiddleware; then OTPMiddleware, which tells
whether the session has given a code; then SecondFactorMiddleware.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import middleware as otp_middleware

from pengguna.rules import session_verdict
from pengguna.sessions import ENDED, SEEN_AT, SIGNED_IN_AT, session_limits
from pengguna.two_factor import confirmed_device, needs_otp, otp_verified

Handler = Callable[[HttpRequest], HttpResponse]
API_PREFIX = "/api/"


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect the browser follows; for an htmx request, one htmx follows for the whole page
    (a plain 302 would put the target page inside the fragment being swapped)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _with_next(url: str, request: HttpRequest) -> str:
    """`url`, asking to come back to this page afterwards (GET only: a post is not replayed)."""
    if request.method != "GET" or request.headers.get("HX-Request"):
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"


class SessionLimitsMiddleware:
    """Ends a session idle longer than SESSION_IDLE_TIMEOUT or older than
    SESSION_ABSOLUTE_TIMEOUT; stores the last-seen time at most once a minute, so a busy
    session is not written on every request. An ended web session goes to the sign-in page,
    which says why; an API call carries on unauthenticated (401)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY not in session:
            return self.get_response(request)
        now = timezone.now().timestamp()
        verdict = session_verdict(
            now=now,
            signed_in_at=session.get(SIGNED_IN_AT),
            seen_at=session.get(SEEN_AT),
            limits=session_limits(),
        )
        if verdict.ended is not None:
            logout(request)
            path = request.path_info
            if path.startswith(API_PREFIX) or path in _app_files():  # carry on as anonymous
                return self.get_response(request)
            request.session[ENDED] = verdict.ended.value  # for the sign-in page to say why
            login_url = reverse("login")
            if path != login_url:
                return _redirect(request, _with_next(login_url, request))
        elif verdict.touch:
            session.setdefault(SIGNED_IN_AT, now)
            session[SEEN_AT] = now
        return self.get_response(request)


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware (request.user.is_verified(), request.user.otp_device) without
    its read of the device on every request, which every officer's page and API call would
    pay, the dashboards' summary-table reads included.

    A session is verified when it holds the persistent id of the device that accepted its code
    (django_otp.login writes it, only after a right code). Whatever makes that device invalid
    also ends the session: the admin's reset (pengguna.two_factor.totp_reset) raises the user's
    session generation, and a deleted user has no session left. So the session alone answers;
    the device is read only if code asks for `user.otp_device` itself."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        self._init_user_fields(user)
        if user.is_authenticated:
            self._from_session(request, user)
        return user

    async def _verify_user_async_via_auser(self, request: HttpRequest, auser: Any) -> Any:
        user = await auser()
        self._init_user_fields(user)
        if user.is_authenticated:
            self._from_session(request, user)
        return user

    def _from_session(self, request: HttpRequest, user: Any) -> None:
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if persistent_id:
            user.otp_device = SimpleLazyObject(
                partial(self._device_from_persistent_id, persistent_id)
            )


class SecondFactorMiddleware:
    """A signed-in dinsos, kementerian or admin account (or any staff) whose session has not
    given a TOTP code is sent to enrol or to enter one; it may otherwise only sign out, switch
    language and load static files. The API is left to config.authentication, which refuses
    such a session with 401 and leaves API keys (a separate credential) alone."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not needs_otp(user) or otp_verified(user):
            return self.get_response(request)
        path = request.path_info
        if path.startswith(API_PREFIX) or path in self._open_paths() or self._static(path):
            return self.get_response(request)
        has_device = confirmed_device(user) is not None  # type: ignore[arg-type]
        step = reverse("otp_verify" if has_device else "otp_enrol")
        return _redirect(request, _with_next(step, request))

    @staticmethod
    def _open_paths() -> frozenset[str]:
        return _open_paths()

    @staticmethod
    def _static(path: str) -> bool:
        return path.startswith("/" + settings.STATIC_URL.lstrip("/"))


# The installable app's files hold no one's data: a service worker behind a redirect would
# not install or update, so they answer whatever the state of the session.
APP_FILES = ("luring:service_worker", "luring:manifest", "luring:offline")


@cache
def _open_paths() -> frozenset[str]:
    """What an account waiting for its second factor may still reach."""
    names = ("otp_verify", "otp_enrol", "logout", "set_language", *APP_FILES)
    return frozenset(reverse(name) for name in names)


@cache
def _app_files() -> frozenset[str]:
    return frozenset(reverse(name) for name in APP_FILES)
