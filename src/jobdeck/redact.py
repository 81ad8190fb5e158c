"""Hiding secrets in backend data before it reaches the model.

Adapters call ``redact`` on everything they put in ``Job.detail``,
``Run.detail``, labels and messages, so no later layer (the deck, ``ls
--json``, the log file) can show a token, password or key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: What a hidden value is shown as.
REDACTED = "••••"

#: A key containing any of these (case-insensitive) always holds a secret.
SECRET_KEY_PARTS: tuple[str, ...] = ("secret", "password", "token", "apikey", "api_key", "api-key", "authorization")


def redact(data: Any, keys: Iterable[str] = ()) -> Any:
    """A deep copy of ``data`` (dicts, lists, tuples) with every secret value replaced by REDACTED.

    A value is secret when its key equals one of ``keys`` (case-insensitive)
    or contains one of SECRET_KEY_PARTS. The whole value under such a key is
    hidden, even a dict or list; None and "" stay (there is nothing to hide).
    Other values are returned as they are.
    """
    exact = frozenset(key.lower() for key in keys)
    return _redact(data, exact)


def is_secret_key(key: object, keys: Iterable[str] = ()) -> bool:
    """Whether a value under ``key`` would be redacted."""
    return _is_secret(key, frozenset(k.lower() for k in keys))


def _redact(data: Any, exact: frozenset[str]) -> Any:
    if isinstance(data, Mapping):
        return {
            key: _hidden(value) if _is_secret(key, exact) else _redact(value, exact) for key, value in data.items()
        }
    if isinstance(data, list):
        return [_redact(item, exact) for item in data]
    if isinstance(data, tuple):
        return tuple(_redact(item, exact) for item in data)
    return data


def _hidden(value: Any) -> Any:
    # None and "" hide nothing, and showing them says truthfully that no secret is set.
    return value if value is None or value == "" else REDACTED


def _is_secret(key: object, exact: frozenset[str]) -> bool:
    if not isinstance(key, str):
        return False
    lowered = key.lower()
    return lowered in exact or any(part in lowered for part in SECRET_KEY_PARTS)
