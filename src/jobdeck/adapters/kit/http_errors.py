"""The words of HTTP failures: each becomes a ``jobdeck.errors`` kind with a message that
starts with the backend's name and says what was asked (see the table in ``http``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, overload

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from jobdeck.adapters.kit.text import one_line
from jobdeck.errors import AdapterError, AuthFailed, BadResponse, NotFound, Unreachable
from jobdeck.sizes import byte_size

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

#: How much of a backend's error text goes into a message.
ERROR_TEXT_LIMIT = 200


@dataclass(frozen=True)
class Failures:
    """Builds the errors of one client: its backend's name, address and bounds."""

    backend: str
    where: str
    timeout: float
    deadline: float
    max_response_bytes: int

    def status(self, status: int, what: str, said: str) -> AdapterError:
        """The error of an answer with HTTP ``status`` (not 429), ``said`` the backend's own text."""
        said = f": {said}" if said else ""
        if status >= 500:
            return Unreachable(f"{self.backend}: {what} failed on the server (HTTP {status}){said}")
        if status in (401, 403):
            reason = "the credentials were rejected" if status == 401 else "permission denied"
            return AuthFailed(f"{self.backend}: {what}: {reason} (HTTP {status}){said}")
        if status == 404:
            return NotFound(f"{self.backend}: {what}: not found (HTTP 404){said}")
        return BadResponse(f"{self.backend}: {what}: unexpected HTTP {status}{said}")

    def transport(self, exc: Exception, what: str, reason: str) -> AdapterError:
        """The error of an httpx failure; ``reason`` its text, secrets already scrubbed."""
        if isinstance(exc, httpx.TimeoutException):
            return Unreachable(f"{self.backend}: {what} timed out after {seconds(self.timeout)} s")
        if isinstance(exc, httpx.ConnectError):
            return Unreachable(f"{self.backend}: cannot connect to {self.where} ({reason or 'connection refused'})")
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return Unreachable(f"{self.backend}: {what}: bad address {self.where} ({reason})")
        if isinstance(exc, httpx.DecodingError):
            return BadResponse(f"{self.backend}: {what}: the response could not be decoded ({reason})")
        return Unreachable(f"{self.backend}: {what}: the connection broke ({reason or type(exc).__name__})")

    def rate_limited(self, what: str, asked: float | None, why_not_waited: str = "") -> Unreachable:
        """A 429 given up on; ``asked`` the seconds the server asked to wait."""
        message = f"{self.backend}: {what} was refused: too many requests (HTTP 429)"
        if asked is not None:
            message += (
                f"; the server asked to wait {seconds(asked)} s, {why_not_waited}"
                if why_not_waited
                else f"; retry after {seconds(asked)} s"
            )
        return Unreachable(message, retry_after=asked)

    def past_deadline(self, what: str) -> Unreachable:
        return Unreachable(f"{self.backend}: {what}: no complete answer within {seconds(self.deadline)} s")

    def too_large(self, what: str, size: int | None) -> BadResponse:
        told = f" ({byte_size(size)})" if size is not None else ""
        return BadResponse(
            f"{self.backend}: {what}: the answer{told} is larger than the limit of "
            f"{byte_size(self.max_response_bytes)} (the backend's max_response_mb setting)"
        )

    def not_json(self, what: str, exc: ValueError) -> BadResponse:
        return BadResponse(f"{self.backend}: {what}: the response is not valid JSON ({short(exc)})")


def default_error_message(response: httpx.Response) -> str | None:
    """The usual places a backend puts its error text: ``message``, ``detail``, ``error``."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return response.reason_phrase or None
    for key in ("message", "detail", "error", "Messages"):
        value = body.get(key) if isinstance(body, dict) else None
        if isinstance(value, dict):
            value = value.get("message")
        if isinstance(value, list):
            value = "; ".join(str(item) for item in value)
        if value:
            return str(value)
    return response.reason_phrase or None


@overload
def validate(model: type[M], data: Any, *, what: str, backend: str) -> M: ...
@overload
def validate(model: TypeAdapter[T], data: Any, *, what: str, backend: str) -> T: ...
def validate(model: type[BaseModel] | TypeAdapter[Any], data: Any, *, what: str, backend: str) -> Any:
    """``data`` validated by a pydantic model or TypeAdapter; BadResponse naming the first bad fields."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        problems = [f"{_location(error['loc'])}: {error['msg']}" for error in errors[:3]]
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise BadResponse(f"{backend}: {what} is not in the expected format: {'; '.join(problems)}{more}") from None


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def short(text: object) -> str:
    """``text`` on one line, at most ERROR_TEXT_LIMIT characters."""
    return one_line(str(text), ERROR_TEXT_LIMIT)


def seconds(value: float) -> str:
    """Seconds for a message: ``5``, ``0.5``, ``999999`` (never ``1e+06``)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")
