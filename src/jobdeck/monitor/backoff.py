"""How long to wait after consecutive failures: exponential, jittered, capped."""

from __future__ import annotations

import random
from dataclasses import dataclass

#: The longest wait between attempts of a failing backend.
MAX_DELAY = 60.0
#: The longest Retry-After we honour; a backend asking for more is polled after this.
MAX_RETRY_AFTER = 900.0


@dataclass(frozen=True)
class Backoff:
    """The wait after the n-th consecutive failure.

    ``base * factor**(n-1)``, capped at ``cap``, then shortened by up to
    ``jitter`` (a fraction) at random so that many clients failing together do
    not retry together. Jitter only ever shortens, so the cap is a true cap and
    the wait never exceeds the un-jittered value. A backend's own Retry-After is
    a floor: we never come back sooner than it asked.
    """

    base: float = 2.0
    factor: float = 2.0
    cap: float = MAX_DELAY
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.base <= 0 or self.factor < 1 or self.cap <= 0 or not 0 <= self.jitter < 1:
            raise ValueError(f"invalid backoff policy: {self!r}")

    def raw_delay(self, failures: int) -> float:
        """The un-jittered wait after ``failures`` consecutive failures (>= 1)."""
        exponent = max(0, failures - 1)
        # Stop multiplying once past the cap, so huge failure counts cannot overflow.
        delay = self.base
        for _ in range(exponent):
            delay *= self.factor
            if delay >= self.cap:
                break
        return min(self.cap, delay)

    def delay(
        self,
        failures: int,
        *,
        rng: random.Random | None = None,
        retry_after: float | None = None,
    ) -> float:
        """The wait after ``failures`` consecutive failures, honouring ``retry_after``."""
        delay = self.raw_delay(failures)
        if self.jitter and rng is not None:
            delay *= 1.0 - self.jitter * rng.random()
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
        return delay
