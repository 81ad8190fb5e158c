"""Timeline: one row per transition, with the time spent in each state."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from textual.app import App, ComposeResult

from jobdeck.clock import FrozenClock
from jobdeck.model import JobState, StatusEvent
from jobdeck.ui.widgets.timeline import Timeline, event_time, time_in_previous_state

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def at(clock: FrozenClock, seconds_ago: float) -> datetime:
    return clock.now() - timedelta(seconds=seconds_ago)


class TimelineApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Timeline()

    @property
    def timeline(self) -> Timeline:
        return self.query_one(Timeline)


async def show(app: TimelineApp, pilot: object, events: list[StatusEvent], now: datetime) -> list[str]:
    timeline = app.timeline
    timeline.now = now
    timeline.events = events
    await pilot.pause()  # type: ignore[attr-defined]
    return [timeline.render_line(y).text.rstrip() for y in range(timeline.size.height)]


async def test_an_empty_history_says_so() -> None:
    app = TimelineApp()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await show(app, pilot, [], FrozenClock().now())
        assert rows[0].strip() == "No status history yet"


async def test_each_transition_says_how_long_the_previous_state_lasted() -> None:
    clock = FrozenClock()
    events = [
        StatusEvent(at=at(clock, 300), state=JobState.PENDING, message="queued", actor="alice"),
        StatusEvent(at=at(clock, 288), state=JobState.RUNNING, raw_state="Active"),
        StatusEvent(at=at(clock, 180), state=JobState.FAILED, message="exit code 1", observed=True),
    ]
    app = TimelineApp()
    async with app.run_test(size=(100, 24)) as pilot:
        rows = await show(app, pilot, events, clock.now())
        # What happened on one line, what the backend said indented below it.
        assert rows[0].split() == ["11:55:00", "◌", "pending"]
        assert rows[1].split() == ["queued", "·", "by", "alice"]
        assert "11:55:12" in rows[2] and "▶ running (Active)" in rows[2] and "after 12s in pending" in rows[2]
        assert "11:57:00" in rows[3] and "✗ failed" in rows[3] and "after 1m48s in running" in rows[3]
        assert rows[3].endswith("for 3m")
        assert "exit code 1" in rows[4] and "observed" in rows[4]


async def test_events_are_shown_oldest_first_whatever_their_order() -> None:
    clock = FrozenClock()
    events = [
        StatusEvent(at=at(clock, 10), state=JobState.SUCCEEDED),
        StatusEvent(at=at(clock, 50), state=JobState.RUNNING),
    ]
    app = TimelineApp()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await show(app, pilot, events, clock.now())
        assert "running" in rows[0] and "succeeded" in rows[1]
        assert "after 40s in running" in rows[1] and rows[1].endswith("for 10s")


async def test_the_current_state_duration_moves_with_now() -> None:
    clock = FrozenClock()
    events = [StatusEvent(at=clock.now(), state=JobState.RUNNING)]
    app = TimelineApp()
    async with app.run_test(size=(80, 24)) as pilot:
        assert (await show(app, pilot, events, clock.now()))[0].endswith("just now")
        clock.advance(2 * 3600)
        assert (await show(app, pilot, events, clock.now()))[0].endswith("for 2h")


async def test_an_event_from_another_day_shows_its_date() -> None:
    clock = FrozenClock()
    events = [StatusEvent(at=at(clock, 13 * 3600), state=JobState.PENDING)]
    app = TimelineApp()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await show(app, pilot, events, clock.now())
        assert rows[0].startswith("2025-12-31 23:00:00")


async def test_messages_and_actors_are_sanitised() -> None:
    clock = FrozenClock()
    events = [
        StatusEvent(
            at=at(clock, 5),
            state=JobState.FAILED,
            raw_state="Bad\x1b[31m",
            message="line one\x1b]0;pwned\x07\nline two\x1b[2J",
            actor="bob\x9b6n",
        )
    ]
    app = TimelineApp()
    async with app.run_test(size=(100, 24)) as pilot:
        await show(app, pilot, events, clock.now())
        strips = [app.timeline.render_line(y) for y in range(app.timeline.size.height)]
        text = "".join(strip.text for strip in strips)
        assert not any(CONTROL.search(segment.text) for strip in strips for segment in strip)
        assert "pwned" not in text
        assert "line one line two" in text and "by bob" in text and "(Bad)" in text


async def test_ascii_mode_uses_plain_glyphs() -> None:
    clock = FrozenClock()
    app = TimelineApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.timeline.ascii = True
        rows = await show(app, pilot, [StatusEvent(at=clock.now(), state=JobState.SUCCEEDED)], clock.now())
        assert "+ succeeded" in rows[0]


def test_time_in_previous_state_is_the_gap_between_two_events() -> None:
    clock = FrozenClock()
    events = [
        StatusEvent(at=at(clock, 3725), state=JobState.RUNNING),
        StatusEvent(at=clock.now(), state=JobState.SUCCEEDED),
    ]
    assert time_in_previous_state(events, 0) is None
    assert time_in_previous_state(events, 1) == "after 1h02m in running"


def test_event_time_is_short_for_today_and_dated_otherwise() -> None:
    now = FrozenClock().now()
    assert event_time(now - timedelta(hours=1), now) == "11:00:00"
    assert event_time(now - timedelta(days=1), now) == "2025-12-31 12:00:00"


def test_event_time_is_in_the_zone_of_now_and_dated_by_its_day() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")  # UTC+9, no daylight saving
    now = FrozenClock().now().astimezone(tokyo)  # 2026-01-01 21:00 in Tokyo
    assert event_time(now - timedelta(hours=1), now) == "20:00:00"
    # 14:30 UTC on new year's day is 23:30 in Tokyo: today there. 16:00 UTC is tomorrow.
    assert event_time(datetime(2026, 1, 1, 14, 30, tzinfo=UTC), now) == "23:30:00"
    assert event_time(datetime(2026, 1, 1, 16, 0), now) == "2026-01-02 01:00:00"  # naive: UTC
