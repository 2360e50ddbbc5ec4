"""Writes of graduasi: the background re-assessment other apps ask for, and the proposal
workflow (graduasi.services.proposals)."""

from __future__ import annotations

from graduasi.services.refresh import REASSESS_CHUNK, assessment_refresh_on_commit

__all__ = ["REASSESS_CHUNK", "assessment_refresh_on_commit"]
