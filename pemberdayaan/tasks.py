"""Celery tasks: thin. The service decides and batches (pemberdayaan.services.risk)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from pemberdayaan.services.risk import risk_refresh


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def refresh_fallback_risk() -> int:
    """Recompute the fall-back risk of every graduated family; how many rows changed."""
    return risk_refresh()
