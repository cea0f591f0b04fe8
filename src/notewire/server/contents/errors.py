"""What the contents layer raises. Each error carries the HTTP status the web layer
answers with, and a short `reason` word for clients to switch on.

`PathRefused` is a PermissionError and `NotFound` a FileNotFoundError, so code that
only knows the built-in exceptions (the notebook sessions) handles them correctly.
"""

from __future__ import annotations

__all__ = ["Conflict", "ContentsError", "Invalid", "NotFound", "PathRefused"]


class ContentsError(Exception):
    """Base of every error the contents layer raises on purpose."""

    status = 500
    reason = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class PathRefused(ContentsError, PermissionError):
    """The API path may not be used: outside the root, hidden, or malformed."""

    status = 403
    reason = "refused"


class NotFound(ContentsError, FileNotFoundError):
    status = 404
    reason = "not_found"


class Conflict(ContentsError):
    """The target exists, a folder is not empty, or a file changed on disk since the
    caller read it."""

    status = 409
    reason = "conflict"


class Invalid(ContentsError):
    """A model or content that cannot be used (bad base64, not a notebook, ...)."""

    status = 400
    reason = "invalid"
