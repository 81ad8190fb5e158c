"""Masks: one byte per job of a list of indexed texts, 1 where a term matches, made at C
speed (``map`` over the texts, no Python-level step per job), and kept per list of texts
(``TextMasks``) so a word or a state asked for again costs nothing.

A free word's mask is ``in`` over every text; a state's is read from the list's state
column (each text starts with its state's mark: ``index.STATE_MARKS``), made once by
a join of first characters and then translated for any set of states, a byte per job.
A list patched by a poll (some texts out, some in) takes the masks made over the list
it patched, patched the same way (``TextMasks.patched``): nothing is made again.
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

    def patched(self, texts: Sequence[str], dropped: list[int], inserted: list[tuple[int, str]]) -> TextMasks:
        """The masks of ``texts``: this list of texts without its positions ``dropped`` and
        with each ``(position, text)`` of ``inserted`` put before that position (both
        ascending, as ``row_splicing.spliced`` takes them), each mask made here patched
        alike instead of made again (the state column of a million texts costs ~30 ms)."""
        carried = TextMasks(texts)
        if self._states is not None:
            carried._states = _spliced(self._states, dropped, [(place, ord(text[0])) for place, text in inserted])
        for word, mask in self._words.items():
            carried._words[word] = _spliced(mask, dropped, [(place, word in text) for place, text in inserted])
        return carried


def _spliced(data: bytes, dropped: list[int], inserted: list[tuple[int, int]]) -> bytes:
    """``data`` without the positions ``dropped`` and with each ``(position, byte)`` of
    ``inserted`` put before ``data[position]`` (both ascending): slices copied at C speed."""
    parts: list[bytes] = []
    start = 0
    next_drop = 0
    for place, byte in [*inserted, (len(data), None)]:
        while next_drop < len(dropped) and dropped[next_drop] < place:
            parts.append(data[start : dropped[next_drop]])
            start = dropped[next_drop] + 1
            next_drop += 1
        parts.append(data[start:place])
        start = place
        if byte is not None:
            parts.append(bytes((byte,)))
    return b"".join(parts)
