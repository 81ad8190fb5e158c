"""Errors an adapter may raise. Everything else an adapter raises is a bug.

The monitor turns these into health and user-facing messages; the kind tells
it whether to back off (Unreachable, BadResponse) or to stop and say why
(AuthFailed), and whether an action failed or was refused.
"""

from __future__ import annotations


class AdapterError(Exception):
    """Base of every error an adapter raises on purpose."""

    kind = "error"
    #: Whether polling should keep trying (with backoff) after this error.
    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: Seconds the backend asked us to wait (HTTP Retry-After), if any.
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class Unreachable(AdapterError):
    """The backend could not be reached: connection refused, timeout, DNS, 5xx."""

    kind = "unreachable"


class AuthFailed(AdapterError):
    """Credentials are missing, wrong or lack permission."""

    kind = "auth failed"
    transient = False


class NotFound(AdapterError):
    """The job (or run, or log) does not exist on the backend."""

    kind = "not found"


class Unsupported(AdapterError):
    """The backend cannot do this at all."""

    kind = "unsupported"
    transient = False


class BadResponse(AdapterError):
    """The backend answered with something we cannot understand."""

    kind = "bad response"


class ReadOnlyRefused(AdapterError):
    """A mutation was refused because jobdeck runs read-only."""

    kind = "read-only"
    transient = False


class ConfigError(Exception):
    """The configuration is invalid; the message says what and where."""
