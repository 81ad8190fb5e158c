"""The arithmetic of a job's runs: how many finished, the success rate, and the nearest-rank
percentiles of their durations. One definition for ``jobdeck stats`` and the deck's run-history
strip, so both say the same of the same runs. Pure: no database, no Textual."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from jobdeck.clock import as_utc
from jobdeck.model import JobState

#: The states a run ends in: the runs a success rate and a duration are counted over.
FINISHED = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED)


def run_seconds(started: datetime | None, created: datetime | None, ended: datetime | None) -> float | None:
    """Seconds a finished run took (from its start, else its creation, to its end); None
    without an end or a beginning, or when the end comes before the beginning."""
    begun = started or created
    if ended is None or begun is None:
        return None
    seconds = (as_utc(ended) - as_utc(begun)).total_seconds()
    return seconds if seconds >= 0 else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile of ``values`` by nearest rank (None without any)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def percent(rate: float) -> str:
    """A share as a whole percent, to the nearest (``0.915`` → ``92%``): how every success
    rate is told (the run-history strip, a group's rates, ``jobdeck stats``)."""
    return f"{rate:.0%}"


@dataclass
class RunStats:
    """Runs tallied by how they ended, with the durations of the finished ones."""

    runs: int = 0
    succeeded: int = 0
    failed: int = 0
    canceled: int = 0
    durations: list[float] = field(default_factory=list)

    @classmethod
    def ended(cls, succeeded: int, failed: int, canceled: int) -> RunStats:
        """Runs known only by how many ended each way (no durations)."""
        return cls(runs=succeeded + failed + canceled, succeeded=succeeded, failed=failed, canceled=canceled)

    def add(self, state: JobState, seconds: float | None) -> None:
        """One more run, in ``state``; ``seconds`` counts when it finished."""
        self.runs += 1
        if state is JobState.SUCCEEDED:
            self.succeeded += 1
        elif state is JobState.FAILED:
            self.failed += 1
        elif state is JobState.CANCELED:
            self.canceled += 1
        if state in FINISHED and seconds is not None:
            self.durations.append(seconds)

    @property
    def finished(self) -> int:
        return self.succeeded + self.failed + self.canceled

    @property
    def success_rate(self) -> float | None:
        """Succeeded runs among the finished ones (None before any finished)."""
        return self.succeeded / self.finished if self.finished else None

    def percentile(self, p: float) -> float | None:
        """The ``p``-th percentile of the finished runs' durations, by nearest rank (None without any)."""
        return percentile(self.durations, p)
