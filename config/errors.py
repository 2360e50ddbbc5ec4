"""The one exception a service raises when a rule refuses an action."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action, with a translated message a user can act on; views show it as a
    form error or a 400 response."""

    def __init__(self, message: str, *, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
