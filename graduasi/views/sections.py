"""What the KPM profile and the Beranda show of graduation proposals."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from graduasi.models import OPEN_STATUSES
from graduasi.proposal_selectors import (
    proposal_latest_for_kpm,
    proposals_needing_action,
    queue_summary,
)
from kpm.models import Kpm, KpmStatus
from pengguna.models import Role, User


def profile_section(request: HttpRequest, kpm: Kpm) -> dict[str, Any]:
    """Context for templates/graduasi/_profile_proposal.html: the KPM's newest proposal, and
    whether the user (its own pendamping, on an active KPM with nothing open) may propose."""
    user = request.user
    latest = proposal_latest_for_kpm(kpm)
    own = (
        isinstance(user, User)
        and user.role == Role.PENDAMPING
        and kpm.pendamping is not None
        and kpm.pendamping.user_id == user.pk
    )
    open_now = latest is not None and latest.status in OPEN_STATUSES
    return {
        "proposal_latest": latest,
        "proposal_can_create": own and kpm.status == KpmStatus.ACTIVE and not open_now,
    }


def beranda_section(user: User, *, on: date) -> dict[str, Any]:
    """Context for templates/graduasi/_beranda_proposals.html: a pendamping's proposals that
    need action; a Dinsos officer's pending count and ages."""
    if user.role == Role.PENDAMPING:
        return {"proposal_action_rows": proposals_needing_action(user)}
    if user.role == Role.DINSOS:
        return {"proposal_summary": queue_summary(user, on=on)}
    return {}
