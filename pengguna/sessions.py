"""Web sessions: when they start, and ending all of one user's sessions at once.

Each session holds when its password was given and when it was last seen (Unix seconds), so
pengguna.middleware can end it after the limits of pengguna.rules.SessionLimits. Ending a user's
sessions bumps `User.session_generation`, which is mixed into the session auth hash: a session
made before the bump no longer matches, even if its row were restored or missed.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from pengguna.rules import SessionLimits

SIGNED_IN_AT = "pengguna.signed_in_at"
SEEN_AT = "pengguna.seen_at"
# Set on the fresh session after one ends, so the sign-in page can say why.
ENDED = "pengguna.session_ended"
SESSION_SCAN_CHUNK = 2_000


def session_limits() -> SessionLimits:
    """The limits from settings (SESSION_IDLE_TIMEOUT, SESSION_ABSOLUTE_TIMEOUT)."""
    default = SessionLimits()
    return SessionLimits(
        idle=getattr(settings, "SESSION_IDLE_TIMEOUT", default.idle),
        absolute=getattr(settings, "SESSION_ABSOLUTE_TIMEOUT", default.absolute),
    )


def session_started(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """On every sign-in (user_logged_in): the 12-hour and idle clocks start now, and a password
    sign-in always asks for the second factor again, even in a session that had given it."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = timezone.now().timestamp()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    if getattr(user, "otp_device", None) is None:
        session.pop(DEVICE_ID_SESSION_KEY, None)


def user_sessions_end(user: Any) -> int:
    """End every session of `user` now: their sessions no longer match the user's auth hash,
    and the stored ones are deleted. Returns how many were deleted."""
    type(user)._default_manager.filter(pk=user.pk).update(
        session_generation=F("session_generation") + 1
    )
    user.refresh_from_db(fields=["session_generation"])
    return stored_sessions_delete(user.pk)


def stored_sessions_delete(user_id: int) -> int:
    """Stored sessions are signed blobs, so the user's are found by reading the unexpired ones
    (tens of thousands at national scale: a second or so, on a rare admin action)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    get_model = getattr(store, "get_model_class", None)
    if get_model is None:  # a cache-only engine: the auth hash alone ends them
        return 0
    model = get_model()
    decoder = store()
    wanted = str(user_id)
    rows = model.objects.filter(expire_date__gt=timezone.now()).values_list(
        "session_key", "session_data"
    )
    doomed = [
        key
        for key, data in rows.iterator(chunk_size=SESSION_SCAN_CHUNK)
        if str(decoder.decode(data).get(SESSION_KEY)) == wanted
    ]
    if not doomed:
        return 0
    deleted, _per_model = model.objects.filter(session_key__in=doomed).delete()
    return deleted
