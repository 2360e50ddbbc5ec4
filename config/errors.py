"""The one exception a service raises when a rule refuses an action."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action, with a translated message a user can act on; views show it as a
    form error or a 400 response."""

    def __init__(self, message: str, *, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Difference:
    """One value that differs between what the server holds and what a form sent."""

    __slots__ = ("label", "server", "yours")

    def __init__(self, label: str, server: str, yours: str) -> None:
        self.label, self.server, self.yours = label, server, yours

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "server": self.server, "anda": self.yours}


class ConflictError(DomainError):
    """A form opened on data that someone changed before it came back: nothing was written.
    `differences` shows both sides; `versions` are the server's current base versions, which a
    resubmission carries to mean "keep mine"."""

    def __init__(
        self, message: str, *, differences: list[Difference], versions: dict[str, str]
    ) -> None:
        super().__init__(message, code="conflict")
        self.differences = differences
        self.versions = versions
