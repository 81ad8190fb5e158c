"""The kiosk of a real install (five backends, like `jobdeck demo`) on a small terminal:
every backend named in the header, the counts a line per backend, the job and its
log keeping their room; and one wording of the last hour on every card."""

from __future__ import annotations

from deck_helpers import NO_ARCHIVE, build_app, sample_backends, screen_text, seconds_before, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until
from textual.app import App, ComposeResult

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef, JobState
from jobdeck.ui.widgets.kiosk_board import BackendCounts, KioskBoard
from jobdeck.ui.widgets.log_view import LogView

SMALL = (80, 24)
FAILED = JobRef(backend="local", id="20260101-1155-b2")
NAMES = ("intuned", "istari", "julep")


def five_backends(clock: FrozenClock) -> list[FakeAdapter]:
    """The sample's two backends and three more, each with a job that succeeded and one that
    failed today (before the sample's failed job, which the kiosk shows first)."""
    ago = seconds_before(clock)
    more = [
        FakeAdapter.build(name, clock=clock, capabilities=NO_ARCHIVE, jobs=[
            make_job(f"{name}-1", JobState.SUCCEEDED, name=f"{name}-sync", created=ago(900), started=ago(880),
                     ended=ago(60 * (n + 1)), updated=ago(60 * (n + 1))),
            make_job(f"{name}-2", JobState.FAILED, name=f"{name}-check", created=ago(900), started=ago(880),
                     ended=ago(400 + 100 * n), updated=ago(400 + 100 * n), error="exit code 1"),
        ])
        for n, name in enumerate(NAMES)
    ]
    return [*sample_backends(clock), *more]


def small_kiosk(tmp_path):
    clock = FrozenClock()
    return build_app(tmp_path, five_backends(clock), clock=clock, kiosk=True)


def showing_the_failed_job_log(app):
    async def run_before(pilot) -> None:
        await wait_for_jobs(app, 12)
        app.screen.kiosk_tick()  # the kiosk selects the failed job itself
        app.screen._show_lower_pane("log")
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 2, what="the log")
        await pilot.pause()
        await pilot.pause()

    return run_before


async def test_five_backends_at_80x24_leave_the_job_list_and_its_log_room(tmp_path):
    app = small_kiosk(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await showing_the_failed_job_log(app)(pilot)
        lines = screen_text(app).splitlines()
        assert "● 5 ok" in lines[0] and "…" not in lines[0]  # the header is not cut after "● int…"
        board = app.screen.query_one(KioskBoard)
        assert board.size.height == 6  # a line of headings, a line per backend
        for line, name in zip(lines[2:7], ("local", "cluster", *NAMES), strict=True):
            assert f"● {name} ok" in line and " now " in line and line.count(" today · ") == 2
        log_view = app.screen.query_one(LogView)
        assert log_view.display and log_view.size.height >= 4  # more than two lines of log
        # The list keeps its rows and its border above the log (not cut under the board).
        assert app.screen.query_one("#jobs-pane").outer_size.height == 11
        assert any(line.startswith("╰") and "sort: recent" in line for line in lines[7:19])
        assert any("bad row 17" in line for line in lines[12:])


def test_five_backends_at_80x24(snap_compare, tmp_path):
    app = small_kiosk(tmp_path)
    assert snap_compare(app, terminal_size=SMALL, run_before=showing_the_failed_job_log(app))


class BoardApp(App[None]):
    def compose(self) -> ComposeResult:
        yield KioskBoard()


async def _board_text(
    counts: dict[str, BackendCounts], size: tuple[int, int], short: bool = False,
    failures: dict[str, tuple[int, ...]] | None = None,
) -> str:
    async with BoardApp().run_test(size=size) as pilot:
        board = pilot.app.query_one(KioskBoard)
        board.set_class(short, "-short")
        board.counts = counts
        board.failures_per_hour = failures or {}
        await pilot.pause()
        return "\n".join(line.text for line in board.render_lines(board.region.reset_offset))


async def test_every_card_says_the_last_hour_in_one_wording():
    """A count too wide for "21 last hour" on one card makes every card say "in 1 h",
    not only that one ("1 last hour" beside "21 in 1 h" reads as two different facts)."""
    counts = {"local": BackendCounts(running=1, failed_today=1, failed_hour=1, succeeded_today=2, succeeded_hour=1),
              "drp": BackendCounts(running=2, failed_today=3, failed_hour=3, succeeded_today=21, succeeded_hour=21),
              **{name: BackendCounts(failed_today=1, failed_hour=1) for name in NAMES}}
    text = await _board_text(counts, (120, 40))
    assert "last hour" not in text
    assert text.count(" in 1 h") == 2 * len(counts)


async def test_cards_with_room_say_last_hour_on_every_card():
    counts = {"local": BackendCounts(failed_today=1, failed_hour=1), "drp": BackendCounts(succeeded_hour=21)}
    text = await _board_text(counts, (120, 40))
    assert "in 1 h" not in text
    assert text.count("last hour") == 2 * len(counts)


async def test_a_short_board_is_a_line_per_backend_in_one_wording():
    counts = {"local": BackendCounts(running=1, failed_today=1, failed_hour=1),
              "drp": BackendCounts(running=2, failed_today=3, failed_hour=3, succeeded_today=21, succeeded_hour=21)}
    text = await _board_text(counts, SMALL, short=True)
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 + len(counts)
    assert "running" in lines[0] and "failed" in lines[0] and "succeeded" in lines[0]
    wording = "last hour" if text.count("last hour") == 2 * len(counts) else "in 1 h"
    assert text.count(wording) == 2 * len(counts)
    assert "1 now" in lines[1] and f"1 today · 1 {wording}" in lines[1] and f"0 today · 0 {wording}" in lines[1]
    assert f"21 today · 21 {wording}" in lines[2]


async def test_a_short_board_at_80_columns_keeps_the_sparkline_and_says_today_only():
    """At 80 columns the sparkline of failures has the room the last hour's counts took (its
    last cell is that hour), and gives up its oldest hours before it goes ("intuned starting"
    is a wide name); with room for both, both are said."""
    counts = {"local": BackendCounts(running=1, failed_today=7, failed_hour=2, succeeded_today=1, succeeded_hour=1),
              **{name: BackendCounts(failed_today=1, succeeded_today=36) for name in NAMES}}
    day = (0,) * 20 + (1, 0, 3, 2)
    failures = {name: day for name in counts}
    lines = [line for line in (await _board_text(counts, SMALL, short=True, failures=failures)).splitlines()
             if line.strip()]
    hours = int(lines[0].split("failed per hour, ")[1].split(" h")[0])
    assert 12 <= hours <= 24
    for line in lines[1:]:
        cells = line.rstrip().rsplit(" ", 1)[1]
        assert len(cells) == hours and cells.endswith("····▃·█▆")  # the newest hours, none cut
    assert "7 today" in lines[1] and "last hour" not in "".join(lines) and "in 1 h" not in "".join(lines)

    wide = await _board_text(counts, (120, 24), short=True, failures=failures)
    assert "failed per hour, 24 h" in wide and "7 today · 2 last hour" in wide and "····▃·█▆" in wide
