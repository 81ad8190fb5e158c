"""The kiosk's way out: a key sequence pressed within a time window.

A wall screen must not close because someone leans on the keyboard, so the
kiosk quits only on a configured sequence (default: ctrl+q twice within two
seconds) or on SIGTERM. Time comes from the injected clock's monotonic().
"""

from __future__ import annotations

from collections.abc import Sequence


class QuitSequence:
    """Tracks progress through ``keys``; ``press`` says when the sequence is complete."""

    def __init__(self, keys: Sequence[str], within: float) -> None:
        if not keys:
            raise ValueError("a quit sequence needs at least one key")
        self.keys = tuple(keys)
        self.within = within
        self._matched = 0
        self._started = 0.0

    def wants(self, key: str) -> bool:
        """Whether ``key`` is part of the sequence (so it is not passed on to the deck)."""
        return key in self.keys

    @property
    def progress(self) -> int:
        """How many keys of the sequence have been pressed so far."""
        return self._matched

    def press(self, key: str, now: float) -> bool:
        """Record ``key`` pressed at ``now``; True when it completes the sequence in time."""
        if self._matched and now - self._started > self.within:
            self._matched = 0
        if key != self.keys[self._matched]:
            # A wrong key restarts; it may itself be the start of the sequence.
            self._matched = 0
            if key != self.keys[0]:
                return False
        if self._matched == 0:
            self._started = now
        self._matched += 1
        if self._matched == len(self.keys):
            self._matched = 0
            return True
        return False

    def describe(self) -> str:
        """``ctrl+q ctrl+q within 2s``, for hints."""
        if len(set(self.keys)) == 1 and len(self.keys) > 1:
            keys = f"{self.keys[0]} {len(self.keys)} times"
        else:
            keys = " then ".join(self.keys)
        return f"{keys} within {self.within:g}s"
