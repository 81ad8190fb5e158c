"""Celery's task arguments and results are reprs (Python text, cut by Celery at about 1 KiB):
hide the secrets in them, cut them short, and read them back as values for a retry.

A repr that parses as a literal is redacted as data (``jobdeck.redact``: a ``password``
key's value is hidden however deep); one that does not (cut short, or holding objects)
is redacted as text: the value after a secret-looking key (``'token': …``,
``password=…``) is hidden up to where it ends.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from jobdeck.adapters.kit.text import ELLIPSIS, one_line
from jobdeck.redact import hide_secret_pairs, redact

#: The longest repr parsed as a literal (a larger one is redacted as text).
MAX_PARSED = 64 * 1024
#: What a cut text ends with.


def literal(text: str | None) -> Any:
    """The value a repr shows, when it is a plain literal; ValueError when it is not
    (cut short by Celery, or holding objects that have no literal form)."""
    if text is None:
        raise ValueError("nothing was sent")
    if len(text) > MAX_PARSED:
        raise ValueError("it is too long to read back")
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        raise ValueError("it is not a plain value (Celery sent its text cut short, or objects)") from None


def sendable(text: str | None, default: str) -> Any:
    """The value of an argument repr, to send the task again with exactly the same arguments;
    ValueError, in words, where it cannot be: Celery cut it short (it ends such a repr, or a
    too deep part of it, with "..."), or it holds what JSON cannot carry."""
    text = text or default
    if "..." in text:
        raise ValueError("Celery sent them cut short (\"...\"), so they cannot be sent again exactly")
    value = literal(text)
    try:
        if json.loads(json.dumps(value)) != _as_json(value):
            raise ValueError("they hold values JSON cannot carry")
    except (TypeError, ValueError, RecursionError):
        raise ValueError("they hold values JSON cannot carry (sets, bytes, …)") from None
    return value


def _as_json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    return value


def redact_repr(text: str | None) -> str:
    """``text`` with every secret hidden."""
    if not text:
        return text or ""
    try:
        value = literal(text)
    except ValueError:
        return hide_secret_pairs(text)
    return repr(redact(value))


def cut(text: str | None, limit: int) -> str:
    """``text`` on one line at most ``limit`` characters long (cut with an ellipsis)."""
    if not text:
        return ""
    return one_line(text, limit)


def cut_block(text: str | None, limit: int) -> str:
    """``text`` (lines kept) at most ``limit`` characters long, saying how much was left out."""
    if not text:
        return ""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n{ELLIPSIS} ({len(text) - limit} more characters not shown)\n"
