"""How long a request waits when a backend says "too many requests" (HTTP 429).

A backend's ``Retry-After`` is honoured up to a cap: the deck waits up to
DECK_MAX_RETRY_AFTER; a one-shot command (``jobdeck ls``) is given a shorter
cap with ``one_shot_waits`` and says on stderr what it waits for. A server
asking for longer than the cap is not waited for at all: the request fails at
once with an error saying how long the server asked to wait (the monitor then
backs off that long itself).

The policy travels in a context variable, set by the command around its
``asyncio.run``, so that adapters, built the same way for every command, need
no extra argument.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from jobdeck.clock import Clock

#: The longest Retry-After the deck waits for inside one request (seconds).
DECK_MAX_RETRY_AFTER = 30.0
#: The longest Retry-After a one-shot command waits for (seconds).
ONE_SHOT_MAX_RETRY_AFTER = 10.0


@dataclass(frozen=True)
class WaitPolicy:
    """The longest Retry-After honoured, and who is told about each wait (None: nobody)."""

    max_retry_after: float = DECK_MAX_RETRY_AFTER
    report: Callable[[str], None] | None = None


_POLICY: ContextVar[WaitPolicy] = ContextVar("jobdeck_http_wait_policy", default=WaitPolicy())


def wait_policy() -> WaitPolicy:
    """The policy in force here."""
    return _POLICY.get()


@contextmanager
def one_shot_waits(
    report: Callable[[str], None], *, max_retry_after: float = ONE_SHOT_MAX_RETRY_AFTER
) -> Iterator[WaitPolicy]:
    """Within the block (and the event loops it runs), rate-limit waits are short and reported."""
    token = _POLICY.set(WaitPolicy(max_retry_after=max_retry_after, report=report))
    try:
        yield _POLICY.get()
    finally:
        _POLICY.reset(token)


def parse_retry_after(value: str | None, clock: Clock) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), as the server asked (not capped);
    None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - clock.now()).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
