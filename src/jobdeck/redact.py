"""Hiding secrets in backend data before it reaches the model.

Adapters call ``redact`` on everything they put in ``Job.detail``,
``Run.detail``, labels and messages, so no later layer (the deck, ``ls
--json``, the log file) can show a token, password or key.

``redact`` knows secrets by their keys. Free text (a backend's error body
echoing the request's Authorization header) is scrubbed by value instead:
``SecretScrubber`` hides every secret the backend's settings configure
(``secret_values``) and the credentials its requests carry (``header_secrets``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

#: What a hidden value is shown as.
REDACTED = "••••"
#: Secret values shorter than this are not searched for in text: they would hide ordinary words.
MIN_SECRET_LENGTH = 4

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


# -- secrets by value ------------------------------------------------------------------


def secret_values(settings: Mapping[str, Any], env: Mapping[str, str] | None = None) -> frozenset[str]:
    """Every secret a backend's settings configure: the value of each ``*_env`` setting's
    environment variable, and any string set under a key that looks like a secret."""
    source = os.environ if env is None else env
    found: set[str] = set()
    for key, value in settings.items():
        if not isinstance(key, str) or not isinstance(value, str) or not value:
            continue
        if key.endswith("_env"):
            secret = source.get(value)
            if secret:
                found.add(secret)
        elif _is_secret(key, frozenset()):
            found.add(value)
    return frozenset(found)


def header_secrets(headers: Mapping[str, str]) -> list[str]:
    """The secrets in credential headers: each whole value, and its part after a scheme
    (``Bearer <token>``, ``Basic <base64>``)."""
    found: list[str] = []
    for value in headers.values():
        found.append(value)
        scheme, _, credential = value.partition(" ")
        if credential and scheme.isalpha():
            found.append(credential.strip())
    return found


class SecretScrubber:
    """Hides known secret values wherever they occur in a text (or in raw bytes).

    Each secret is also looked for as a JSON string holds it (escaped), with
    ``/`` escaped, and percent-encoded, the ways a server echoes it back.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) < MIN_SECRET_LENGTH:
                continue
            forms.update((secret, json.dumps(secret)[1:-1], secret.replace("/", "\\/"), quote(secret, safe="")))
        ordered = sorted(forms, key=len, reverse=True)  # a longer form first: no half-hidden secret
        self._text = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        encoded = [form.encode("utf-8", "surrogatepass") for form in ordered]
        self._bytes = re.compile(b"|".join(map(re.escape, encoded))) if ordered else None

    def __bool__(self) -> bool:
        return self._text is not None

    def text(self, text: str) -> str:
        """``text`` with every secret replaced by REDACTED."""
        return self._text.sub(REDACTED, text) if self._text is not None else text

    def data(self, data: bytes) -> bytes:
        """Raw ``data`` (a body) with every secret replaced by REDACTED."""
        return self._bytes.sub(REDACTED.encode(), data) if self._bytes is not None else data
