"""``/patterns/`` in a query: compiled once, case-insensitive, and refused when they could
take forever.

Python's ``re`` has no timeout, and backtracking can take exponential time on a text that
almost matches: a repeat inside a repeat (``(a+)+``), alternatives that may match the same
text inside a repeat (``(a|ab)*``). Such patterns are refused. Repeats side by side cost
a power of the text's length (``.*.*.*x``: the cube), so a pattern has at most
``OPEN_REPEATS`` repeats of a varying count over more than one letter, and reads at most
``terms.PATTERN_TEXT`` characters of a field. What is left is polynomial in a short text:
a pattern written to be slow can still make a keystroke slow on a long list, never hang it.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # the parser's own names (Python 3.11+)
import re._parser as sre_parse
from typing import Any

from jobdeck.query.errors import QueryError

#: The longest pattern taken (a pattern is typed, not pasted from a file).
LONGEST = 200
#: The most repeats of a varying count over more than one letter (``.*``, ``\\w+``) in a pattern.
OPEN_REPEATS = 2

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
        parsed = sre_parse.parse(text, re.IGNORECASE)
        nested, overlapping, opened = _nested_repeat(parsed), _overlapping_branch(parsed), _open_repeats(parsed)
    except (re.error, RecursionError):  # (compiled above, so not expected)
        nested, overlapping, opened = True, False, 0
    if nested:
        raise QueryError(
            "a /pattern/ with a repeat inside a repeat, like (a+)+, can take forever: write it without",
            position=position,
        )
    if overlapping:
        raise QueryError(
            "a /pattern/ repeating alternatives that may start alike, like (a|ab)*, can take forever: write it without",
            position=position,
        )
    if opened > OPEN_REPEATS:
        raise QueryError(
            f"a /pattern/ with more than {OPEN_REPEATS} repeats like .* or \\w+ can take very long: use fewer",
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


def _children(op: Any, argument: Any) -> list[Any]:
    """The sub-patterns of one item of a parsed pattern."""
    if op in _REPEATS:
        return [argument[2]]
    if op == sre_constants.SUBPATTERN:
        return [argument[-1]]
    if op == sre_constants.BRANCH:
        return list(argument[1])
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [argument[1]]
    if op == getattr(sre_constants, "ATOMIC_GROUP", None):
        return [argument]
    return []


def _overlapping_branch(pattern: Any, inside: bool = False) -> bool:
    """Whether alternatives inside a repeat may start with the same letter (each does not
    start with a letter of its own)."""
    for op, argument in pattern:
        if op == sre_constants.BRANCH and inside:
            firsts = [list(branch)[0] if len(branch) else None for branch in argument[1]]
            letters = [first[1] for first in firsts if first is not None and first[0] == sre_constants.LITERAL]
            if len(letters) != len(firsts) or len({chr(letter).casefold() for letter in letters}) != len(letters):
                return True
        repeats = op in _REPEATS and argument[1] > 1
        if any(_overlapping_branch(child, inside or repeats) for child in _children(op, argument)):
            return True
    return False


def _open_repeats(pattern: Any) -> int:
    """How many repeats of a varying count over more than one letter the pattern has."""
    count = 0
    for op, argument in pattern:
        if op in _REPEATS:
            least, most, body = argument
            one_letter = len(body) == 1 and body[0][0] == sre_constants.LITERAL
            count += least != most and not one_letter
        count += sum(_open_repeats(child) for child in _children(op, argument))
    return count
