"""The filter language's grammar: terms, ``OR``, parentheses, ``NOT`` and ``-``.

    query   := either (OR either)*          OR: either side (upper case: "or" is a word)
    either  := unary+                       side by side (or AND): all of them
    unary   := NOT unary | -( query ) | ( query ) | term
    term    := [-][key:](word | "phrase" | /pattern/)

``NOT`` binds tightest, then AND, then OR. A ``(`` opens a group at the start of a term
only, and a ``)`` closes one only when one is open: elsewhere they are a word's letters
(``f(x)``). A ``/pattern/`` ends at a ``/`` followed by a space, a ``)`` or the end (``\\/``
is a slash in it); ``/var/log`` is a word. Errors say where (``QueryError.position``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from jobdeck.query.errors import QueryError
from jobdeck.query.terms import Leaf, Term


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class All:
    """Every child holds (terms side by side)."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Either:
    """One child holds at least (OR)."""

    children: tuple[Node, ...]


Node = Leaf | Not | All | Either

_KEY = re.compile(r"(-)?(?:([A-Za-z_][\w.-]*):)?")
_PATTERN = re.compile(r"/((?:[^/\\]|\\.)*)/(?=\s|\)|$)", re.DOTALL)
_QUOTED = re.compile(r'"([^"]*)"?')
_WORD = re.compile(r"\S*")
_WORD_IN_GROUP = re.compile(r"[^\s)]*")
_KEYWORD = re.compile(r"(OR|AND|NOT)(?=\s|\(|$)")

#: Deeper groups than this are refused (the parser recurses).
DEEPEST = 50

#: Makes a leaf of a term: (term, start, end, where its value starts).
LeafMaker = Callable[[Term, int, int, int], Leaf]


def parse(text: str, make_leaf: LeafMaker) -> Node | None:
    """The tree of ``text`` (None when it has no term); QueryError with where."""
    parser = _Parser(text, make_leaf)
    try:
        node = parser.either_of()
    except RecursionError:  # (NOT NOT NOT …: each is a call)
        raise QueryError("too many NOTs in a row", position=0, end=len(text)) from None
    parser.skip_space()
    if parser.at < len(text):  # only a keyword can stop the top level early
        raise QueryError("OR needs a term on each side", position=parser.at, end=parser.at + 2)
    return node


class _Parser:
    def __init__(self, text: str, make_leaf: LeafMaker) -> None:
        self.text = text
        self.at = 0
        self.depth = 0
        self.make_leaf = make_leaf

    def skip_space(self) -> None:
        text, at = self.text, self.at
        while at < len(text) and text[at].isspace():
            at += 1
        self.at = at

    def keyword(self) -> str | None:
        self.skip_space()
        found = _KEYWORD.match(self.text, self.at)
        return found[1] if found else None

    def ended(self) -> bool:
        self.skip_space()
        return self.at >= len(self.text) or (self.depth > 0 and self.text[self.at] == ")")

    def either_of(self) -> Node | None:
        sides = [self.all_of()]
        while self.keyword() == "OR":
            at = self.at
            self.at += 2
            if sides[-1] is None:
                raise QueryError("OR needs a term before it", position=at, end=at + 2)
            side = self.all_of()
            if side is None:
                raise QueryError("OR needs a term after it", position=at, end=at + 2)
            sides.append(side)
        if len(sides) == 1:
            return sides[0]
        return Either(tuple(side for side in sides if side is not None))

    def all_of(self) -> Node | None:
        children: list[Node] = []
        while not self.ended():
            word = self.keyword()
            if word == "OR":
                break
            if word == "AND":
                at = self.at
                self.at += 3
                if not children or self.ended() or self.keyword() == "OR":
                    raise QueryError("AND needs a term on each side", position=at, end=at + 3)
                continue
            children.append(self.unary())
        if not children:
            return None
        return children[0] if len(children) == 1 else All(tuple(children))

    def unary(self) -> Node:
        text, at = self.text, self.at
        if self.keyword() == "NOT":
            self.at += 3
            if self.ended() or self.keyword() in ("OR", "AND"):
                raise QueryError("NOT needs a term after it", position=at, end=at + 3)
            return _not(self.unary())
        if text.startswith("-(", at):
            self.at += 1
            return _not(self.group())
        if text.startswith("(", at):
            return self.group()
        return self.term()

    def group(self) -> Node:
        opened = self.at
        if self.depth >= DEEPEST:
            raise QueryError(f"more than {DEEPEST} parentheses inside each other", position=opened, end=opened + 1)
        self.at += 1
        self.depth += 1
        inside = self.either_of()
        self.depth -= 1
        self.skip_space()
        if self.at >= len(self.text) or self.text[self.at] != ")":
            raise QueryError('"(" is not closed (to look for a parenthesis, quote it: "(exit")',
                             position=opened, end=opened + 1)
        self.at += 1
        if inside is None:
            raise QueryError("nothing between ( and )", position=opened, end=self.at)
        return inside

    def term(self) -> Leaf:
        text, start = self.text, self.at
        head = _KEY.match(text, start)
        assert head is not None  # every part may match empty
        negated, key, at = head[1] is not None, head[2], head.end()
        pattern = _PATTERN.match(text, at)
        quoted = None if pattern else _QUOTED.match(text, at)
        if pattern is not None:
            value, end, is_pattern = pattern[1].replace("\\/", "/"), pattern.end(), True
        elif text.startswith('"', at) and quoted is not None:
            value, end, is_pattern = quoted[1], quoted.end(), False
        else:
            word = (_WORD_IN_GROUP if self.depth else _WORD).match(text, at)
            assert word is not None
            value, end, is_pattern = word[0], word.end(), False
            if key is None and not value and negated:
                # A lone "-" is a word to look for, not a negation of nothing.
                value, negated = "-", False
        if end == start:  # (a ")" with no group open: a word of its own)
            end = start + 1
            value = text[start:end]
        self.at = end
        return self.make_leaf(Term(key, value, negated, is_pattern), start, end, at)


def _not(node: Node) -> Node:
    """``node`` negated: a term's own negation flipped, a double negation undone."""
    if isinstance(node, Not):
        return node.child
    if isinstance(node, Leaf):
        term = node.term
        flipped = Term(term.key, term.value, not term.negated, term.pattern)
        return Leaf(flipped, node.start, node.end, node.tests, node.duration, node.regex)
    return Not(node)
