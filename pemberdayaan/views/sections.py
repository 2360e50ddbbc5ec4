"""What the KPM profile and the Beranda show of a graduated family (referrals, follow-ups, risk)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from kpm.models import Kpm
from pengguna.models import User


def profile_section(request: HttpRequest, kpm: Kpm) -> dict[str, Any]:
    """Context for templates/pemberdayaan/_profile_graduation.html."""
    return {}


def beranda_section(user: User, *, on: date) -> dict[str, Any]:
    """Context for templates/pemberdayaan/_beranda_follow_ups.html."""
    return {}
