"""``/patterns/`` in a query: compiled once, case-insensitive, and refused when they could
take forever.

Python's ``re`` has no timeout, and backtracking can take exponential time on a text that
almost matches: a repeat inside a repeat (``(a+)+``), alternatives that may match the same
text inside a repeat (``(a|ab)*``). Such patterns are refused. Repeats of a varying
count cost a power of the text's length (``.*.*.*x``: a power of four with the search's
starts), so a pattern has at most ``OPEN_REPEATS`` of them (``a*`` counts too: ``a*a*a*a*x``
is as slow as ``.*.*.*.*x``), never two side by side or parted by a class only (``.*.*x``,
``\\w*\\w*x``, ``.*[a-z].*x``: the cube of a field's length for each field, from seconds to
over a minute for 100,000 jobs), and no back-reference (``(.*)\\1x``: it compares a text per
try). A pattern reads at most ``terms.PATTERN_TEXT`` characters of a field. What is left is
polynomial in a short text: a pattern written to be slow can still make a keystroke slow on
a long list, never hang it.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # the parser's own names (Python 3.11+)
import re._parser as sre_parse
from typing import Any

from jobdeck.query.errors import QueryError

#: The longest pattern taken (a pattern is typed, not pasted from a file).
LONGEST = 200
#: The most repeats of a varying count (``.*``, ``\\w+``, ``a?``) in a pattern.
OPEN_REPEATS = 2

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)}


def compile_pattern(text: str, position: int) -> re.Pattern[str]:
    """``text`` (a pattern as typed, each ``\\/`` read as ``/``) as a case-insensitive pattern;
    QueryError saying where (``position``: where the pattern starts in the query) when it is
    not one or is too costly to run."""
    if not text:
        raise QueryError("an empty /pattern/ matches everything: leave it out", position=position)
    if len(text) > LONGEST:
        raise QueryError(f"a /pattern/ is at most {LONGEST} characters", position=position)
    searched = _for_search(text)
    try:
        compiled = re.compile(searched, re.IGNORECASE)
    except re.error as problem:
        # Where in the query: past what the search leaves out, and past the backslash of
        # each "\\/" before it (every "/" of a pattern was written so).
        inside = len(text) - len(searched) + (problem.pos or 0)
        at = position + inside + text[:inside].count("/")
        raise QueryError(f"bad /pattern/: {problem.msg}", position=at, end=at + 1) from None
    except (OverflowError, RecursionError, ValueError):
        raise QueryError("bad /pattern/: too large", position=position) from None
    try:
        parsed = sre_parse.parse(text, re.IGNORECASE)
        nested, overlapping, opened = _nested_repeat(parsed), _overlapping_branch(parsed), _open_repeats(parsed)
        adjacent, referenced = _side_by_side(parsed)[0], _back_reference(parsed)
    except (re.error, RecursionError):  # (compiled above, so not expected)
        nested, overlapping, opened, adjacent, referenced = True, False, 0, False, False
    if referenced:
        raise QueryError("a /pattern/ with a back-reference like \\1 can take very long: write it without",
                         position=position)
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
    if adjacent:
        raise QueryError(
            "a /pattern/ with two repeats side by side, like .*.* or .*[a-z].*, can take very long: write one",
            position=position,
        )
    return compiled


def _for_search(text: str) -> str:
    """The same test for ``re.search`` without a leading ``.*`` (or ``.*?``): it may match
    nothing, so the search finds a match where it would, without trying every end from
    every start (``.*error`` over a 200-letter field costs the square of it; ``error`` is
    looked for at once)."""
    for lead in (".*?", ".*"):
        rest = text[len(lead):]
        if text.startswith(lead) and rest and rest[0] not in "+?*{":
            return rest
    return text


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
    """How many repeats of a varying count the pattern has."""
    count = 0
    for op, argument in pattern:
        if op in _REPEATS:
            least, most, _body = argument
            count += least != most
        count += sum(_open_repeats(child) for child in _children(op, argument))
    return count


#: Items that take no letter: they neither part two repeats nor make one.
_ZERO_WIDTH = {sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT}


def _side_by_side(pattern: Any, open_before: bool = False) -> tuple[bool, bool]:
    """Whether two repeats of a varying count follow each other with no given letter
    between (through groups and alternatives: ``(.*)(\\w+)``, ``a*(b|c?)``; a class
    between is no letter: ``.*[a-z].*q`` takes the cube too), and whether the pattern ends
    in such a repeat (``open_before``: whether what came before did)."""
    open_now = open_before
    for op, argument in pattern:
        if op in _ZERO_WIDTH:
            if op != sre_constants.AT and _side_by_side(argument[1])[0]:
                return True, False
            continue
        if op in _REPEATS:
            least, most, body = argument
            if _side_by_side(body)[0]:
                return True, False
            if least != most:
                if open_now:
                    return True, False
                open_now = True
                continue
            if least == 0:
                continue
            found, open_now = _side_by_side(body, open_now)
        elif op == sre_constants.SUBPATTERN or op == getattr(sre_constants, "ATOMIC_GROUP", None):
            found, open_now = _side_by_side(argument[-1] if op == sre_constants.SUBPATTERN else argument, open_now)
        elif op == sre_constants.BRANCH:
            results = [_side_by_side(branch, open_now) for branch in argument[1]]
            found, open_now = any(result[0] for result in results), any(result[1] for result in results)
        elif op == sre_constants.LITERAL:
            found, open_now = False, False  # a letter parts them (when it is rare, the search is quick)
        else:
            found = False  # a class (``[a-z]``, ``.``, ``\\d``) matches what the repeats do: it parts nothing
        if found:
            return True, False
    return False, open_now


def _back_reference(pattern: Any) -> bool:
    """Whether the pattern refers back to a group (``\\1``, ``(?(1)a|b)``)."""
    refers = {sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS, getattr(sre_constants, "GROUPREF_IGNORE", None)}
    for op, argument in pattern:
        if op in refers:
            return True
        if any(_back_reference(child) for child in _children(op, argument)):
            return True
    return False
