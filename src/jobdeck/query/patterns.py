"""``/patterns/`` in a query: compiled once, case-insensitive, and refused when they could
take forever.

Python's ``re`` has no timeout, and a pattern with a repeat inside a repeat (``(a+)+``)
can take exponential time on a text that almost matches. Such patterns are refused, and
a pattern reads at most ``terms.PATTERN_TEXT`` characters of a field, so what is left
(alternatives that overlap inside a repeat, ``(a|a)*``) stays bounded by short texts.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # the parser's own names (Python 3.11+)
import re._parser as sre_parse
from typing import Any

from jobdeck.query.errors import QueryError

#: The longest pattern taken (a pattern is typed, not pasted from a file).
LONGEST = 200

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)}


def compile_pattern(text: str, position: int) -> re.Pattern[str]:
    """``text`` as a case-insensitive pattern; QueryError saying where (``position``: where
    the pattern starts in the query) when it is not one or is too costly to run."""
    if not text:
        raise QueryError("an empty /pattern/ matches everything: leave it out", position=position)
    if len(text) > LONGEST:
        raise QueryError(f"a /pattern/ is at most {LONGEST} characters", position=position)
    try:
        compiled = re.compile(text, re.IGNORECASE)
    except re.error as problem:
        at = position + (problem.pos or 0)
        raise QueryError(f"bad /pattern/: {problem.msg}", position=at, end=at + 1) from None
    except (OverflowError, RecursionError, ValueError):
        raise QueryError("bad /pattern/: too large", position=position) from None
    try:
        nested = _nested_repeat(sre_parse.parse(text, re.IGNORECASE))
    except (re.error, RecursionError):  # (compiled above, so not expected)
        nested = True
    if nested:
        raise QueryError(
            "a /pattern/ with a repeat inside a repeat, like (a+)+, can take forever: write it without",
            position=position,
        )
    return compiled


def _nested_repeat(pattern: Any, inside: bool = False) -> bool:
    """Whether a repeat of a varying count is inside another repeat, anywhere in ``pattern``
    (``(ab{2})*`` is fine: its inner count is fixed)."""
    for op, argument in pattern:
        if op in _REPEATS:
            least, most, body = argument
            repeats = most > 1
            if inside and least != most:
                return True
            if _nested_repeat(body, inside or repeats):
                return True
        elif op == sre_constants.SUBPATTERN:
            if _nested_repeat(argument[-1], inside):
                return True
        elif op == sre_constants.BRANCH:
            if any(_nested_repeat(branch, inside) for branch in argument[1]):
                return True
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            if _nested_repeat(argument[1], inside):
                return True
        elif op == getattr(sre_constants, "ATOMIC_GROUP", None):
            if _nested_repeat(argument, inside):
                return True
    return False
