"""A backend's steady poll beside a bare request for the same data, round after round: the
poll-cost figures of the engine backends (Airflow, Celery, Ray) all take their rounds here.

Each round times ``bare()`` (the backend's own API, read with a plain client) and then
``poll()`` (jobdeck's poll of it), one right after the other, so both see the same load;
the figure is the ratio of their medians.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PollCost:
    """Medians of the rounds, in milliseconds."""

    bare_ms: float
    poll_ms: float

    @property
    def ratio(self) -> float:
        return self.poll_ms / self.bare_ms


async def poll_rounds(
    rounds: int,
    bare: Callable[[], Awaitable[object]],
    poll: Callable[[], Awaitable[object]],
    *,
    after_round: Callable[[int], Awaitable[object]] | None = None,
) -> PollCost:
    """``rounds`` rounds of ``bare()`` then ``poll()``, each timed; ``after_round(n)`` (untimed)
    after round ``n``."""
    bare_times: list[float] = []
    poll_times: list[float] = []
    for round_ in range(rounds):
        started = time.perf_counter()
        await bare()
        bare_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        await poll()
        poll_times.append(time.perf_counter() - started)
        if after_round is not None:
            await after_round(round_)
    return PollCost(statistics.median(bare_times) * 1000, statistics.median(poll_times) * 1000)
