"""[ and ] pressed while a page of runs is loading: they wait, then are taken in order."""

from __future__ import annotations

from jobdeck.model import JobRef, JobState, Run, RunPage
from jobdeck.ui.panes.run_paging import NO_OLDER, RunRequest
from jobdeck.ui.panes.run_stepping import RunStepQueue

JOB = JobRef(backend="fake", id="job")


def page(number: int, runs: int = 3, pages: int = 3) -> RunPage:
    return RunPage(
        runs=[Run(job=JOB, id=f"p{number}r{n}", state=JobState.SUCCEEDED) for n in range(runs)],
        page=number,
        pages=pages,
        page_size=3,
    )


def turning_queue() -> RunStepQueue:
    """A queue whose last step asked for page 1 (from the oldest run of page 0)."""
    queue = RunStepQueue()
    step = queue.step(page(0), 2, +1)
    assert step is not None and step.load == RunRequest(page=1, fallback=0)
    return queue


def test_a_step_within_the_page_is_taken_at_once() -> None:
    queue = RunStepQueue()
    step = queue.step(page(0), 0, +1)
    assert step is not None and step.index == 1
    assert not queue.turning


def test_a_step_past_the_page_asks_for_the_next_page_and_turns() -> None:
    assert turning_queue().turning


def test_steps_pressed_while_a_page_turns_wait_for_it() -> None:
    queue = turning_queue()
    assert queue.step(page(0), 2, +1) is None
    assert queue.step(page(0), 2, -1) is None
    assert queue.next_waiting() is None  # the page has not arrived


def test_once_the_page_arrives_the_waiting_steps_are_taken_in_the_order_pressed() -> None:
    queue = turning_queue()
    for delta in (+1, +1, -1):
        queue.step(page(0), 2, delta)
    queue.page_done(arrived=True)
    assert [queue.next_waiting(), queue.next_waiting(), queue.next_waiting()] == [+1, +1, -1]
    assert queue.next_waiting() is None


def test_a_waiting_step_that_turns_a_page_again_holds_the_rest() -> None:
    queue = turning_queue()
    for delta in (+1, +1):
        queue.step(page(0), 2, delta)
    queue.page_done(arrived=True)
    delta = queue.next_waiting()
    assert delta == +1
    # Taken from the oldest run of page 1: it asks for page 2.
    step = queue.step(page(1), 2, delta)
    assert step is not None and step.load == RunRequest(page=2, fallback=0)
    assert queue.next_waiting() is None  # the other step waits for page 2
    queue.page_done(arrived=True)
    assert queue.next_waiting() == +1


def test_a_page_that_never_arrives_drops_the_steps_waiting_for_it() -> None:
    # Another load replaced it: another job, or a reload.
    queue = turning_queue()
    queue.step(page(0), 2, +1)
    queue.page_done(arrived=False)
    assert not queue.turning and queue.next_waiting() is None


def test_a_refused_step_drops_the_steps_after_it() -> None:
    queue = turning_queue()
    queue.step(page(2), 2, +1)
    queue.step(page(2), 2, +1)
    queue.page_done(arrived=True)
    delta = queue.next_waiting()
    assert delta == +1
    step = queue.step(page(2), 2, delta)  # from the oldest run: nothing older
    assert step is not None and step.refusal == NO_OLDER
    assert queue.next_waiting() is None


def test_showing_another_job_drops_the_waiting_steps() -> None:
    queue = turning_queue()
    queue.step(page(0), 2, +1)
    queue.clear()
    queue.page_done(arrived=True)
    assert queue.next_waiting() is None
