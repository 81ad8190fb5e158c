"""Hiding secrets in backend data before it reaches the model.

Adapters call ``redact`` on everything they put in ``Job.detail``,
``Run.detail``, labels and messages, so no later layer (the deck, ``ls
--json``, the log file) can show a token, password or key.

``redact`` knows secrets by their keys. Text that names its secrets (a ``password = x``
line, a repr's ``'token': 'x'``, a command line's ``--api-key x``) is hidden by those names
here too: ``hide_secret_lines``, ``hide_secret_pairs``, ``hide_named_secrets``. Free text (a backend's error body
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

#: A key containing any of these (case-insensitive) always holds a secret: the usual names of
#: settings and JSON keys, and of a function's arguments (``passwd=``, ``credentials=``, ``cookie=``).
SECRET_KEY_PARTS: tuple[str, ...] = (
    "secret", "password", "token", "apikey", "api_key", "api-key", "authorization",
    "passwd", "credential", "private_key", "cookie",
)


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


# -- secrets in text, by their names ---------------------------------------------------

_KEY = "|".join(map(re.escape, SECRET_KEY_PARTS))
#: Secrets in a non-JSON text file: ``password = x`` / ``api_token: x`` (the rest of the line).
_SECRET_LINE = re.compile(rf"(?im)^(\s*[\w.-]*(?:{_KEY})[\w.-]*\s*[:=]\s*).+$")
#: A secret-looking key, quoted ('api_token': …) or as a keyword (password=…), and its value:
#: a quoted string (to its closing quote, or the end of a cut text) or a bare token.
_SECRET_PAIR = re.compile(
    rf"""(?P<key>(?P<q>['"])[^'"]*(?:{_KEY})[^'"]*(?P=q)\s*:\s*|\b\w*(?:{_KEY})\w*\s*=\s*)"""
    r"""(?P<value>'(?:[^'\\]|\\.)*(?:'|$)|"(?:[^"\\]|\\.)*(?:"|$)|[^,)}\]\s]+)""",
    re.IGNORECASE,
)
#: A name one of whose parts (between -, _ and .) says it is a secret: API_TOKEN, --db-pass,
#: AWS_SECRET_ACCESS_KEY; not --tokenizer, --passes or MONKEY (on a command line, a part of a
#: word is too little to go by).
_SECRET_WORD = (r"(?:[A-Za-z0-9]+[-_.])*(?:KEY|APIKEY|PASS|PASSWD|PASSWORD|PASSPHRASE|SECRET|TOKEN|CREDENTIALS?"
                r"|AUTH|COOKIE)(?:[-_.][A-Za-z0-9]+)*")
#: A secret given on a command line: ``API_TOKEN=… python …``, ``--password=…``, ``--api-key …``;
#: its value (quoted, or up to the next space or shell operator) is hidden.
_INLINE_SECRET = re.compile(
    rf"(?P<name>(?<![\w.-])(?:--?)?{_SECRET_WORD}=|(?<![\w.-])--?{_SECRET_WORD}\s+(?=[^\s-]))"
    r"""(?P<value>'[^']*'|"[^"]*"|[^\s'";|&]+)""",
    re.IGNORECASE,
)
#: A secret as a quoted pair, as an error echoing submitted settings has it: ``"DB_PASS": "…"``.
_QUOTED_SECRET = re.compile(rf"""(?P<name>(['"]){_SECRET_WORD}\2\s*:\s*)(?P<value>'[^']*'|"[^"]*")""", re.IGNORECASE)


def hide_secret_lines(text: str) -> str:
    """``text`` (a config-like file or message) with the rest of every line whose key names a
    secret hidden: ``password = ••••``, ``api_token: ••••``."""
    return _SECRET_LINE.sub(lambda m: m.group(1) + REDACTED, text)


def hide_secret_pairs(text: str) -> str:
    """``text`` (Python reprs, possibly cut short) with the value after every secret-looking key
    hidden, as a repr: ``{'api_token': '••••'}``, ``f(password='••••')``."""
    return _SECRET_PAIR.sub(lambda m: m.group("key") + repr(REDACTED), text)


def hide_named_secrets(text: str) -> str:
    """``text`` (a command line, or an error echoing one) with the value of every name that says
    it is a secret hidden: ``API_TOKEN=••••``, ``--api-key ••••``, ``"DB_PASS": "••••"``."""
    text = _QUOTED_SECRET.sub(lambda m: f"{m['name']}{m['value'][0]}{REDACTED}{m['value'][0]}", text)
    return _INLINE_SECRET.sub(lambda m: f"{m['name']}{REDACTED}", text)
