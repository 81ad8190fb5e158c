"""Waiting for a real engine (Airflow, Ray, Celery's Flower, Slurm) to get somewhere: read
its state again and again until it is what a test wants, and fail saying where it stayed.

Import it as ``from waiting import poll_until`` (``tests/`` is on ``sys.path``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(
    read: Callable[[], T],
    done: Callable[[T], object] = bool,
    *,
    timeout: float,
    every: float,
    failure: Callable[[T], str],
) -> T:
    """``read()`` every ``every`` seconds until ``done`` of it is true, and that last reading;
    AssertionError with ``failure`` of the last reading once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(failure(value))
        time.sleep(every)
