"""Celery's group per task name from what Flower (or the events) told of each task: counts by
state, retries, the latest states in the order the tasks were sent, and how many ended per
minute over the last five minutes. Flower's values are untrusted: odd ones never break a poll."""

from __future__ import annotations

from jobdeck.adapters.celery.convert import RATE_WINDOW_S, UNNAMED, group_of
from jobdeck.model import JobState

NOW = 1_800_000_000.0


def task(name: str, state: str, sent: float, ended: float | None = None, retries: int = 0) -> dict[str, object]:
    field = {"SUCCESS": "succeeded", "FAILURE": "failed", "REVOKED": "revoked"}.get(state)
    return {"name": name, "state": state, "sent": sent, "retries": retries, **({field: ended} if field else {})}


def test_the_latest_states_are_in_the_order_the_tasks_were_sent_not_the_order_listed() -> None:
    tasks = [task("t", "STARTED", NOW - 1), task("t", "REVOKED", NOW - 5, ended=NOW), task("t", "SUCCESS", NOW - 9, NOW - 8)]

    assert group_of(tasks, now=NOW)["t"].recent == (JobState.SUCCEEDED, JobState.CANCELED, JobState.RUNNING)


def test_retries_count_each_attempt_after_the_first_and_one_waiting_to_run_again() -> None:
    tasks = [task("t", "FAILURE", NOW - 9, NOW - 8, retries=2), task("t", "RETRY", NOW - 3, retries=1)]

    assert group_of(tasks, now=NOW)["t"].retries == 4


def test_the_rate_counts_the_tasks_that_ended_in_the_last_five_minutes() -> None:
    tasks = [task("t", "SUCCESS", NOW - 100, NOW - 90), task("t", "FAILURE", NOW - 200, NOW - 120),
             task("t", "SUCCESS", NOW - 900, NOW - RATE_WINDOW_S - 1), task("t", "STARTED", NOW - 10)]

    group = group_of(tasks, now=NOW)["t"]

    assert group.per_minute == 0.4 and group.rate_window_s == RATE_WINDOW_S


def test_without_a_clock_there_is_no_rate() -> None:
    assert group_of([task("t", "SUCCESS", NOW - 2, NOW - 1)])["t"].per_minute is None


def test_odd_values_from_flower_are_no_time_no_state_and_no_name_never_an_error() -> None:
    odd = [{"name": ["x"], "state": ["SUCCESS"], "sent": "yesterday", "succeeded": True, "retries": "2"},
           {"name": "", "state": None, "sent": None, "retries": -3}]

    group = group_of(odd, now=NOW)[UNNAMED]

    assert group.recent == (JobState.UNKNOWN, JobState.UNKNOWN) and group.retries == 0 and group.per_minute == 0
