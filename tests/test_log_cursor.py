"""A log is read through a cursor the adapter defines (contract v2): a byte offset
for file-backed logs, the backend's own token for others, per run and per stream.
Nothing above the adapter counts with a token; it only hands it back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fakes import FakeAdapter, FakeSettings, InstantClock, make_job, make_monitor, wait_until
from pydantic import ValidationError
from textual.app import App, ComposeResult

from jobdeck.adapters.base import Adapter
from jobdeck.cli import logs as logs_command
from jobdeck.clock import FrozenClock
from jobdeck.errors import Unsupported
from jobdeck.log_cursor import STDERR, STDOUT, as_log_cursor
from jobdeck.model import Capability, Job, LogChunk, LogCursor
from jobdeck.monitor import Monitor
from jobdeck.ui.panes.log import LogPane
from jobdeck.ui.widgets.log_view import LogView

JOB = make_job("1", backend="tokens")
LINES_PER_READ = 2
PAGING_REASON = "tokens logs are a stream of events, read on from the last one seen"


class TokenAdapter(Adapter):
    """A backend whose log cursor is an event token (``ev-N``: N events received), with
    stdout and stderr, handing out at most two lines a read."""

    kind = "fake"
    Settings = FakeSettings
    capabilities = frozenset({Capability.LIST, Capability.LOG})
    log_position = "token"
    log_paging_reason = PAGING_REASON
    log_streams: ClassVar[tuple[str, ...]] = (STDOUT, STDERR)

    def __init__(self, lines: dict[str, list[str]]) -> None:
        super().__init__(FakeSettings(name="tokens"), clock=InstantClock(FrozenClock()))
        self.lines = lines
        self.cursors_read: list[LogCursor] = []

    async def list_jobs(self) -> list[Job]:
        return [JOB]

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        cursor = as_log_cursor(cursor)
        if cursor.position == 0:  # the int 0: the beginning, for every adapter
            cursor = cursor.model_copy(update={"position": "ev-0"})
        self.cursors_read.append(cursor)
        assert isinstance(cursor.position, str) and cursor.position.startswith("ev-")
        seen = int(cursor.position.removeprefix("ev-"))
        lines = self.lines[cursor.stream]
        taken = lines[seen : seen + LINES_PER_READ]
        after = LogCursor(position=f"ev-{seen + len(taken)}", run=cursor.run, stream=cursor.stream)
        return LogChunk(text="".join(taken), cursor=after, complete=seen + len(taken) == len(lines))


def numbered(what: str, count: int) -> list[str]:
    return [f"{what} {n:02d}\n" for n in range(count)]


class PaneApp(App[None]):
    def __init__(self, pane: LogPane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


def test_a_chunk_given_a_byte_offset_has_it_as_its_cursor_and_a_byte_cursor_as_its_offset() -> None:
    assert LogChunk(text="a\n", offset=2).cursor == LogCursor(position=2)
    assert LogChunk(text="a\n", cursor=LogCursor(position=2, run="r1")).offset == 2
    token = LogChunk(text="a\n", cursor=LogCursor(position="ev-1"))
    assert token.offset is None and token.cursor.position == "ev-1"


def test_a_chunk_without_cursor_or_offset_and_a_negative_offset_are_refused() -> None:
    with pytest.raises(ValidationError):
        LogChunk(text="a")
    with pytest.raises(ValidationError):
        LogCursor(position=-1)


async def test_the_deck_follows_a_log_whose_cursor_is_a_token_whole_and_says_why_it_cannot_page_back(
    tmp_path: Path,
) -> None:
    adapter = TokenAdapter({STDOUT: numbered("line", 7), STDERR: []})
    monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
    pane = LogPane(monitor, max_lines=100, earlier_max_bytes=1 << 20)
    async with PaneApp(pane).run_test():
        pane.show_job(JOB)
        log_view = pane.query_one(LogView)
        await wait_until(lambda: log_view.line_count == 7, what="the whole log")
        assert log_view.lines_text() == [line.rstrip("\n") for line in numbered("line", 7)]
        # Each read went on from the token the last one gave: nothing lost or repeated.
        assert [c.position for c in adapter.cursors_read] == ["ev-0", "ev-2", "ev-4", "ev-6"]
        assert log_view.earlier_unavailable == PAGING_REASON


async def test_byte_offsets_are_not_asked_of_an_adapter_whose_cursor_is_a_token(tmp_path: Path) -> None:
    monitor = make_monitor(tmp_path, [TokenAdapter({STDOUT: numbered("line", 3), STDERR: []})], clock=FrozenClock())
    assert monitor.log_paging_unavailable(JOB.ref) == PAGING_REASON
    assert await monitor.log_tail_offset(JOB.ref, 2) == 0
    with pytest.raises(Unsupported, match="stream of events"):
        await monitor.read_log_between(JOB.ref, 0, 10)


async def test_jobdeck_logs_prints_a_token_cursor_log_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = TokenAdapter({STDOUT: numbered("line", 5), STDERR: []})

    @asynccontextmanager
    async def polled_monitor(_settings: Any) -> AsyncIterator[Monitor]:
        monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
        await monitor.poll_once()
        yield monitor

    monkeypatch.setattr(logs_command, "polled_monitor", polled_monitor)
    await logs_command._print_log(None, "tokens/1", follow=False, colour=False)  # type: ignore[arg-type]
    assert capsys.readouterr().out == "".join(numbered("line", 5))
    await logs_command._print_log(None, "tokens/1", follow=True, colour=False)  # type: ignore[arg-type]
    assert capsys.readouterr().out == "".join(numbered("line", 5))


async def test_stdout_and_stderr_are_read_separately_each_from_its_own_cursor(tmp_path: Path) -> None:
    adapter = TokenAdapter({STDOUT: numbered("out", 3), STDERR: numbered("err", 4)})
    monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
    read: dict[str, str] = {}
    for stream in (STDOUT, STDERR):
        text, cursor = "", LogCursor(position="ev-0", stream=stream)
        while True:
            chunk = await monitor.read_log(JOB.ref, cursor)
            assert chunk.cursor.stream == stream
            text += chunk.text
            cursor = chunk.cursor
            if chunk.complete:
                break
        read[stream] = text
    assert read == {STDOUT: "".join(numbered("out", 3)), STDERR: "".join(numbered("err", 4))}
    followed = [chunk.text async for chunk in monitor.follow_log(JOB.ref, LogCursor(position="ev-1", stream=STDERR))]
    assert "".join(followed) == "".join(numbered("err", 4)[1:])


async def test_a_byte_offset_backend_refuses_a_stream_its_logs_do_not_have(tmp_path: Path) -> None:
    adapter = FakeAdapter.build("fake")
    adapter.set_jobs([make_job("1")])
    adapter.set_log("1", "one\n")
    with pytest.raises(Unsupported, match="no stderr stream"):
        await adapter.read_log("1", LogCursor(stream=STDERR))
    assert (await adapter.read_log("1", LogCursor(position=0))).text == "one\n"
