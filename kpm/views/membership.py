"""Membership of the programme beyond graduation: exits recorded by Dinsos, and the waiting list
with the kabupaten's funded quota."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kpm.models import Kpm


def profile_section(request: HttpRequest, kpm: Kpm) -> dict[str, Any]:
    """Context for templates/kpm/_profile_exit.html."""
    return {}
