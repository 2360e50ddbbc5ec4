"""The current request's id, carried to audit rows written anywhere below the view."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
