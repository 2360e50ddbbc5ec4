"""Pure rules of signing in: who must give a second factor, and when a web session has ended.

No ORM, no settings, no clock: the caller passes the user's plain attributes, the time and the
limits, so each rule is tested as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

# Roles that see a whole kabupaten, a province or the nation, or administer the system: a stolen
# password of theirs exposes thousands of households, so a password alone is not enough. The
# pendamping (one caseload, a cheap phone in the field) signs in with a password only.
SECOND_FACTOR_ROLES = frozenset({"dinsos", "kementerian", "admin"})


def needs_second_factor(*, role: str, is_staff: bool, is_superuser: bool) -> bool:
    """Whether this account must confirm a TOTP code after its password. Anyone who can open
    the admin site (staff, superuser) does too, whatever their role."""
    return role in SECOND_FACTOR_ROLES or is_staff or is_superuser


class SessionEnd(StrEnum):
    """Why a session stopped being valid."""

    IDLE = "idle"  # no request for longer than the idle limit
    ABSOLUTE = "absolute"  # too long since the password was given


@dataclass(frozen=True)
class SessionLimits:
    """Default: 30 minutes without a request, or 12 hours since sign-in, whichever is first.
    The last-seen time is written back at most once per `touch_every`, so a busy session is
    not saved on every request (the idle limit is then exact to within that much)."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    touch_every: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionVerdict:
    ended: SessionEnd | None  # None: still valid
    touch: bool  # store `now` as the last-seen time


def session_verdict(
    *, now: float, signed_in_at: float | None, seen_at: float | None, limits: SessionLimits
) -> SessionVerdict:
    """Judge a signed-in session at `now` (Unix seconds). A session that has no times yet (made
    before these limits existed) starts counting now."""
    if signed_in_at is None or seen_at is None:
        return SessionVerdict(ended=None, touch=True)
    if now - signed_in_at >= limits.absolute.total_seconds():
        return SessionVerdict(ended=SessionEnd.ABSOLUTE, touch=False)
    if now - seen_at >= limits.idle.total_seconds():
        return SessionVerdict(ended=SessionEnd.IDLE, touch=False)
    return SessionVerdict(ended=None, touch=now - seen_at >= limits.touch_every.total_seconds())
