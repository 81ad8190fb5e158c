"""How the problems of a config file are told: one short, terminal-safe line each, 20 at most.

A config file is user input like any other: a key or a value in it may hold
control characters (an ``ESC [ 2 J`` in a key name would clear the screen
the error is printed on) or be megabytes long, and a generated file may
hold thousands of mistakes. So every line goes through ``safe_line``, keys
and values are shortened, and past ``MAX_SHOWN`` problems only the count of
the others is kept, without describing them: 200,000 unknown keys once made
36 MB of message, and nobody reads past the first screenful.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

#: Problems told one by one; the rest are counted.
MAX_SHOWN = 20
#: A value quoted in a problem is cut to this many characters.
_VALUE_CHARS = 60
#: So is one part of a key path (a key of a thousand characters is still one mistake).
_KEY_CHARS = 40
#: And a whole line, for messages of validators that quote their input themselves.
_LINE_CHARS = 400
#: A key that needs no quoting in a key path: what a TOML bare key may be.
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class ProblemReport:
    """The problems found so far: the first ``limit`` described, the others only counted."""

    def __init__(self, limit: int = MAX_SHOWN) -> None:
        self.limit = limit
        self.total = 0
        self._shown: list[str] = []

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def full(self) -> bool:
        """True when another problem would only be counted (callers then skip describing it)."""
        return len(self._shown) >= self.limit

    def add(self, problem: str) -> None:
        self.total += 1
        if not self.full:
            self._shown.append(problem)

    def count(self, problems: int) -> None:
        """Problems found but not described, because the report is full."""
        self.total += problems

    def add_validation_error(self, exc: ValidationError, *, at: str = "", allowed: Collection[str] = ()) -> None:
        """Each error of ``exc``, its key path under ``at``; ``allowed`` names the keys of its table."""
        if self.full:
            self.count(exc.error_count())
            return
        for error in exc.errors():
            if self.full:
                self.count(1)
            else:
                self.add(describe_error(error, at=at, allowed=allowed))

    def text(self, where: str) -> str:
        """The report, one line per problem, each starting with ``where`` (the file)."""
        from jobdeck.safe_text import safe_line  # only on this error path: it imports rich

        place = shown_path(where)
        lines = [f"{place}: {clip(safe_line(problem), _LINE_CHARS)}" for problem in self._shown]
        hidden = self.total - len(self._shown)
        if hidden:
            lines.append(f"{place}: ... and {hidden} more problem{'' if hidden == 1 else 's'}")
        return "\n".join(lines)


def unknown_key(at: str, key: str, allowed: Collection[str], *, note: str = "") -> str:
    """The problem of ``key``, which its table does not have (``note`` says why, if known)."""
    location = key_path(at, key)
    if f"{key}_env" in allowed:
        # A secret written into the file: say how it is given instead.
        return (
            f"{location}: secrets are not written in the config file; set {key}_env "
            f"to the name of the environment variable that holds it"
        )
    why = f" ({note})" if note else ""
    return f"{location}: unknown key{why}; allowed keys: {', '.join(allowed)}"


def unknown_keys(
    report: ProblemReport,
    table: Mapping[str, Any],
    allowed: Collection[str],
    *,
    at: str = "",
    notes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``table`` without the keys that ``allowed`` does not name; each of those is a problem in ``report``."""
    known: dict[str, Any] = {}
    for key, value in table.items():
        if key in allowed:
            known[key] = value
        elif report.full:
            report.count(1)
        else:
            report.add(unknown_key(at, key, allowed, note=(notes or {}).get(key, "")))
    return known


def describe_error(error: ErrorDetails, *, at: str = "", allowed: Collection[str] = ()) -> str:
    """``key.path: what is wrong (got value)`` for one pydantic error, its path under ``at``."""
    location = key_path(at, *error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden" and error["loc"]:
        return unknown_key(at, str(error["loc"][-1]), allowed)
    if kind == "missing":
        return f"{location}: missing required key"
    message = error["msg"]
    if kind == "value_error":
        # Our own validators say what is wrong in words, and quote what they need to.
        message = message.removeprefix("Value error, ")
        return f"{location}: {message}" if location else message
    value = error.get("input")
    got = "" if isinstance(value, dict | list) else f" (got {shown(value)})"
    return f"{location}: {message}{got}" if location else f"{message}{got}"


def key_path(at: str, *keys: int | str) -> str:
    """``backends[2].spool``: the keys (from the file) under ``at`` (a path of ours)."""
    text = at
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            name = _key(key)
            text += f".{name}" if text else name
    return text


def _key(key: str) -> str:
    """A key as written in a key path: bare when it can be, else quoted and escaped."""
    if _BARE_KEY.fullmatch(key) and len(key) <= _KEY_CHARS:
        return key
    return shown(key, limit=_KEY_CHARS)


def shown(value: Any, *, limit: int = _VALUE_CHARS) -> str:
    """``repr(value)``, cut in the middle to ``limit`` characters; escapes every control character."""
    return clip(_short_repr(value, limit), limit)


def _short_repr(value: Any, limit: int) -> str:
    # A list of a million items is not turned whole into text to show 60 characters of it.
    if isinstance(value, list | tuple) and len(value) > limit:
        value = value[:limit]
    if isinstance(value, dict) and len(value) > limit:
        value = dict(list(value.items())[:limit])
    return repr(value)


def shown_path(path: PurePath | str) -> str:
    """A path for a message: one line, no control characters (a path is user input too)."""
    from jobdeck.safe_text import safe_line  # only on error paths: it imports rich

    text = str(path)
    return clip(safe_line(text) or repr(text), _LINE_CHARS)


def clip(text: str, limit: int) -> str:
    """``text`` cut in the middle to ``limit`` characters, with ``...`` where it was cut."""
    if len(text) <= limit:
        return text
    keep = limit - 3
    return f"{text[: keep - keep // 3]}...{text[len(text) - keep // 3 :]}"
