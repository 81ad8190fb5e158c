"""What a backend's health says, worked out from what its polls and its push
channel did. Pure functions from one ``BackendHealth`` to the next: the monitor
applies them and tells its listeners.

The states (``HealthStatus``):

- **starting**: the first poll is under way, for less than ``answer_deadline``;
- **ok**: the last poll succeeded;
- **degraded**: it worked before, and the last poll failed or has not answered
  in time (fewer than ``DOWN_AFTER`` failures in a row); the rows are recent;
- **down**: it has never worked (every poll so far failed, or the first one has
  not answered in time), or failed ``DOWN_AFTER`` times in a row, or the
  failure will not pass by retrying (refused credentials); the rows are stale.

Apart from the state, ``push_error`` says that live updates (the push channel)
are being reconnected while polls go on, so "ok" never hides a broken channel.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from jobdeck.adapters.base import Adapter, BackendSettings
from jobdeck.errors import AdapterError
from jobdeck.monitor.events import BackendHealth, HealthStatus

log = logging.getLogger(__name__)

#: Consecutive failures after which a backend that worked before is DOWN.
DOWN_AFTER = 3
#: A poll without an answer after this long makes its backend "not answering" while it
#: goes on waiting. A healthy backend answers a poll in well under a second, and the
#: request itself may wait a timeout per attempt, with retries (about 30 s by default):
#: too long to show "starting".
NOT_ANSWERING_AFTER = 5.0
#: ... but no sooner than this, whatever the request timeout, so a backend set to a very
#: short timeout does not flicker.
NOT_ANSWERING_FLOOR = 1.0
#: A backend that answered before is not answering only once its poll has also taken
#: this many times as long as its last good one (some backends are slow on purpose).
SLOW_POLL_FACTOR = 3.0
#: What a push channel that ended without an error says while it is reconnected.
PUSH_CLOSED = "the server closed the stream"


class InternalError(AdapterError):
    """A non-AdapterError exception from an adapter: a bug, reported like a failure."""

    kind = "internal error"


def as_adapter_error(exc: Exception, *, kind: str, name: str, doing: str) -> AdapterError:
    """``exc`` as an AdapterError; anything else is an adapter bug, logged with its traceback."""
    if isinstance(exc, AdapterError):
        return exc
    log.error("internal error in the %s adapter (%r) during %s", kind, name, doing, exc_info=exc)
    return InternalError(f"internal error in {kind} adapter: {exc}")


def adapter_failure(adapter: Adapter, exc: Exception, *, doing: str) -> AdapterError:
    """``exc``, raised by ``adapter`` during ``doing``, as an AdapterError (see ``as_adapter_error``)."""
    return as_adapter_error(exc, kind=adapter.kind, name=adapter.name, doing=doing)


def describe_error(error: AdapterError) -> str:
    if isinstance(error, InternalError):
        return error.message
    return f"{error.kind}: {error.message}"


def answer_deadline(settings: BackendSettings) -> float:
    """Seconds a poll may go without an answer before its backend is "not answering".

    ``NOT_ANSWERING_AFTER``, or the backend's request timeout (its ``timeout``
    setting) when that is shorter: by then the first attempt has timed out.
    """
    timeout = getattr(settings, "timeout", None)
    deadline = NOT_ANSWERING_AFTER
    if isinstance(timeout, int | float) and timeout > 0:
        deadline = min(deadline, float(timeout))
    return max(NOT_ANSWERING_FLOOR, deadline)


def poll_deadline(settings: BackendSettings, last_good_poll: float | None) -> float:
    """``answer_deadline``, lengthened for a backend whose good polls are slow."""
    deadline = answer_deadline(settings)
    if last_good_poll is None:
        return deadline
    return max(deadline, SLOW_POLL_FACTOR * last_good_poll)


def after_success(health: BackendHealth, *, now: datetime, interval: float) -> BackendHealth:
    return replace(
        health,
        status=HealthStatus.OK,
        last_ok=now,
        last_error=None,
        consecutive_failures=0,
        next_poll_in=interval,
    )


def after_failure(health: BackendHealth, error: AdapterError, *, delay: float, down: bool = False) -> BackendHealth:
    """The health after a failed attempt; ``down`` when retrying cannot help (e.g. it cannot open)."""
    failures = health.consecutive_failures + 1
    # "Degraded" promises rows that were right not long ago: only a backend that answered has them.
    never_worked = health.last_ok is None
    is_down = down or never_worked or not error.transient or failures >= DOWN_AFTER
    return replace(
        health,
        status=HealthStatus.DOWN if is_down else HealthStatus.DEGRADED,
        last_error=describe_error(error),
        consecutive_failures=failures,
        next_poll_in=delay,
    )


def not_answering(health: BackendHealth, waited: float) -> BackendHealth:
    """The health while a poll has waited ``waited`` seconds for an answer (and still waits)."""
    recently_fine = health.last_ok is not None and health.status is not HealthStatus.DOWN
    return replace(
        health,
        status=HealthStatus.DEGRADED if recently_fine else HealthStatus.DOWN,
        last_error=f"no reply within {waited:g} s (still waiting)",
    )


def push_connected(health: BackendHealth) -> BackendHealth:
    return replace(health, pushing=True, push_error=None)


def push_lost(health: BackendHealth, reason: str) -> BackendHealth:
    """The push channel broke (``reason``) and is being reconnected; polls go on meanwhile."""
    return replace(health, pushing=False, push_error=reason)


def push_off(health: BackendHealth) -> BackendHealth:
    """The push channel is closed on purpose (the monitor stops)."""
    return replace(health, pushing=False, push_error=None)


def is_news(previous: BackendHealth, health: BackendHealth) -> bool:
    """Whether listeners hear of the change. ``last_ok`` moves on every good poll; alone
    it is not news (keeps an idle deck quiet)."""
    return replace(previous, last_ok=None) != replace(health, last_ok=None)
