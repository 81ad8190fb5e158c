"""The backoff policy: how long a failing backend waits before the next attempt."""

from __future__ import annotations

import random

import pytest

from jobdeck.monitor.backoff import MAX_RETRY_AFTER, Backoff


def test_the_wait_doubles_with_each_consecutive_failure() -> None:
    policy = Backoff(base=2.0, jitter=0.0)
    assert [policy.delay(n) for n in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, 32.0]


def test_the_wait_is_capped_at_sixty_seconds() -> None:
    policy = Backoff(base=2.0, jitter=0.0)
    assert policy.delay(6) == 60.0
    assert policy.delay(10_000) == 60.0


def test_jitter_only_shortens_the_wait_and_by_at_most_the_jitter_fraction() -> None:
    policy = Backoff(base=2.0, jitter=0.2)
    rng = random.Random(7)
    waits = [policy.delay(3, rng=rng) for _ in range(200)]
    assert all(8.0 * 0.8 <= wait <= 8.0 for wait in waits)
    assert len(set(waits)) > 100  # actually random, so clients do not retry in step


def test_jitter_never_breaks_the_cap() -> None:
    policy = Backoff(base=2.0, jitter=0.2)
    rng = random.Random(1)
    assert all(policy.delay(50, rng=rng) <= 60.0 for _ in range(100))


def test_retry_after_is_a_floor_for_the_wait() -> None:
    policy = Backoff(base=2.0, jitter=0.0)
    assert policy.delay(1, retry_after=30.0) == 30.0
    # A Retry-After shorter than the backoff does not shorten it.
    assert policy.delay(4, retry_after=1.0) == 16.0


def test_retry_after_may_exceed_the_cap_but_not_without_limit() -> None:
    policy = Backoff(base=2.0, jitter=0.0)
    assert policy.delay(1, retry_after=120.0) == 120.0
    assert policy.delay(1, retry_after=86_400.0) == MAX_RETRY_AFTER


def test_the_first_failure_waits_the_base_interval() -> None:
    assert Backoff(base=5.0, jitter=0.0).delay(1) == 5.0


@pytest.mark.parametrize("kwargs", [{"base": 0}, {"factor": 0.5}, {"cap": 0}, {"jitter": 1.0}])
def test_a_nonsensical_policy_is_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)
