"""Masks: one byte per job of a list of indexed texts, 1 where a term matches, made at C
speed (``map`` over the texts, no Python-level step per job), and kept per list of texts
(``TextMasks``) so a word or a state asked for again costs nothing.

A free word's mask is ``in`` over every text; a state's is read from the list's state
column (each text starts with its state's mark: ``index.STATE_MARKS``), made once by
a join of first characters and then translated for any set of states, a byte per job.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import repeat
from operator import contains, itemgetter

from jobdeck.model import JobState
from jobdeck.query.index import STATE_MARKS

#: Turns a mask's bytes 0 into 1 and 1 into 0 (a negated term).
FLIP = bytes.maketrans(b"\x00\x01", b"\x01\x00")

_FIRST = itemgetter(0)
#: The most word masks kept for one list (a megabyte each at a million jobs).
_WORDS_KEPT = 8


def word_mask(texts: Sequence[str], word: str) -> bytes:
    """1 where the text contains ``word`` (lower-cased like the texts)."""
    return bytes(map(contains, texts, repeat(word)))


def both(first: bytes, second: bytes) -> bytes:
    """1 where both masks are: as numbers, and-ing them and-s them byte by byte (0 or 1 each)."""
    return (int.from_bytes(first, "little") & int.from_bytes(second, "little")).to_bytes(len(first), "little")


class TextMasks:
    """The masks made over one list of ``texts`` (never changed in place: a new list gets
    new masks), kept for the next query over it."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self._words: dict[str, bytes] = {}
        self._states: bytes | None = None

    def word(self, word: str) -> bytes:
        found = self._words.get(word)
        if found is None:
            if len(self._words) >= _WORDS_KEPT:
                del self._words[next(iter(self._words))]
            found = self._words[word] = word_mask(self.texts, word)
        return found

    def states(self, states: Collection[JobState]) -> bytes:
        if self._states is None:
            # Each text's first character, its state's mark (at most \x07): one byte each.
            self._states = "".join(map(_FIRST, self.texts)).encode("latin-1")
        marks = {ord(STATE_MARKS[state]) for state in states}
        return self._states.translate(bytes(1 if code in marks else 0 for code in range(256)))
