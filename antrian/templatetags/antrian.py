"""{% queue_warning %}: the admin's warning when background tasks cannot be sent."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from antrian.rules import QueueWarning, queue_warning
from antrian.selectors import queue_state

register = template.Library()


@register.inclusion_tag("antrian/_queue_warning.html")
def queue_warning_note(css_class: str = "error") -> dict[str, Any]:
    """The warning, or nothing when the broker answers and nothing has waited for long."""
    state = queue_state()
    kind = queue_warning(state, now=timezone.now())
    return {
        "kind": kind.value if kind else None,
        "disconnected": kind is QueueWarning.DISCONNECTED,
        "waiting": state.waiting,
        "since": timezone.localtime(state.oldest_waiting) if state.oldest_waiting else None,
        "css_class": css_class,
    }
