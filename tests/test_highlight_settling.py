"""When the deck's panes follow the job list's highlight: at once, or once the cursor rests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jobdeck.ui.widgets.job_list.settling import Follow, HighlightSettler

SECONDS = 0.15


class FakeTimer:
    def __init__(self, delay: float, callback: Callable[[], None]) -> None:
        self.delay = delay
        self.callback = callback
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True

    def fire(self) -> None:
        if not self.stopped:
            self.callback()


class Harness:
    """A settler on a hand-moved clock, counting the jobs shown."""

    def __init__(self, seconds: float = SECONDS) -> None:
        self.now = 100.0
        self.timers: list[FakeTimer] = []
        self.shown = 0
        self.settler = HighlightSettler(seconds, show=self.show, start_timer=self.start_timer, clock=lambda: self.now)

    def show(self) -> None:
        self.shown += 1

    def start_timer(self, delay: float, callback: Callable[[], None]) -> FakeTimer:
        self.timers.append(FakeTimer(delay, callback))
        return self.timers[-1]

    def highlight(self, after: float, *, chosen: bool = False) -> Follow:
        self.now += after
        return self.settler.highlighted(chosen)


@pytest.fixture
def deck() -> Harness:
    return Harness()


def test_a_highlight_after_a_rest_is_shown_at_once(deck: Harness) -> None:
    assert deck.highlight(after=1.0) is Follow.SHOW
    assert deck.highlight(after=SECONDS) is Follow.SHOW  # rested exactly long enough
    assert deck.timers == [] and not deck.settler.waiting


def test_a_quick_highlight_waits_and_is_shown_once_the_cursor_rests(deck: Harness) -> None:
    deck.highlight(after=1.0)
    assert deck.highlight(after=0.05) is Follow.WAIT
    assert deck.settler.waiting and deck.shown == 0
    [timer] = deck.timers
    assert timer.delay == SECONDS
    timer.fire()
    assert deck.shown == 1 and not deck.settler.waiting


def test_each_quick_highlight_starts_the_wait_again(deck: Harness) -> None:
    deck.highlight(after=1.0)
    deck.highlight(after=0.05)
    deck.highlight(after=0.05)
    first, second = deck.timers
    assert first.stopped and not second.stopped
    second.fire()
    assert deck.shown == 1


def test_moving_is_measured_from_the_last_highlight_not_the_first(deck: Harness) -> None:
    deck.highlight(after=1.0)
    for _ in range(5):  # 0.5 s in all, but never a rest
        assert deck.highlight(after=0.1) is Follow.WAIT


def test_settling_shows_the_waiting_highlight_now(deck: Harness) -> None:
    deck.highlight(after=1.0)
    deck.highlight(after=0.05)
    deck.settler.settle()
    assert deck.shown == 1 and not deck.settler.waiting
    assert deck.timers[0].stopped  # it will not show the job a second time


def test_settling_with_nothing_waiting_shows_nothing(deck: Harness) -> None:
    deck.highlight(after=1.0)
    deck.settler.settle()
    assert deck.shown == 0


def test_a_chosen_highlight_never_waits_and_ends_a_wait(deck: Harness) -> None:
    deck.highlight(after=1.0)
    deck.highlight(after=0.05)
    assert deck.highlight(after=0.05, chosen=True) is Follow.SHOW
    assert deck.timers[0].stopped and not deck.settler.waiting
    assert deck.shown == 0  # the screen shows the chosen job itself


def test_a_chosen_highlight_with_nothing_waiting_is_shown_only_when_it_is_another_job(deck: Harness) -> None:
    # The panes already follow the last highlight: the job chosen may be the one shown.
    deck.highlight(after=1.0)
    assert deck.highlight(after=0.05, chosen=True) is Follow.SHOW_IF_OTHER


def test_the_first_highlight_is_shown_at_once() -> None:
    assert Harness().highlight(after=0.0) is Follow.SHOW


def test_with_no_settling_time_every_highlight_is_shown_at_once() -> None:
    kiosk = Harness(seconds=0.0)
    assert [kiosk.highlight(after=0.0) for _ in range(3)] == [Follow.SHOW] * 3
    assert kiosk.timers == []
