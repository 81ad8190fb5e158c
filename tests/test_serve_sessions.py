"""`jobdeck serve`'s sessions: a deck process never outlives its browser tab, even one that will not quit.

In-process: GuardedServer on a loopback port, with a stand-in "deck" (a small Python script) in place
of the real one, so each test controls how its deck behaves.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from jobdeck import serve_server
from jobdeck.serve import Access
from jobdeck.serve_server import GuardedServer

#: Every "deck" a test started; whichever is left when the test ends is killed (a failure must not leak it).
_started: list[int] = []


@pytest.fixture(autouse=True)
def short_stop_and_no_survivor(monkeypatch):
    monkeypatch.setattr(serve_server, "STOP_SECONDS", 0.5)
    yield
    while _started:
        pid = _started.pop()
        try:
            if "deck.pid" in Path(f"/proc/{pid}/cmdline").read_text():  # still ours, not a reused pid
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@asynccontextmanager
async def tab(deck_script: str) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A browser tab's websocket on a server whose deck is ``python -c deck_script``.

    On the way out the server is shut down, which waits for every session to end.
    """
    access = Access(token_required=False)
    command = "exec " + shlex.join([sys.executable, "-c", deck_script])
    server = GuardedServer(command, host="127.0.0.1", port=0, access=access)
    test_server = TestServer(await server._make_app(), host="127.0.0.1")
    await test_server.start_server()
    try:
        origin = f"http://127.0.0.1:{test_server.port}"
        async with aiohttp.ClientSession() as client:
            yield await client.ws_connect(f"{origin}/ws/{access.token}", origin=origin)
    finally:
        await test_server.close()
    assert not server._sessions


@asynccontextmanager
async def tab_on_a_deck_that_will_not_quit(
    pid_file: Path,
) -> AsyncIterator[tuple[aiohttp.ClientWebSocketResponse, int]]:
    """A tab whose deck writes its pid, then ignores the quit message and stays silent."""
    script = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    async with tab(script) as websocket:
        async with asyncio.timeout(20):
            while not pid_file.exists() or not pid_file.read_text():
                await asyncio.sleep(0.02)
        pid = int(pid_file.read_text())
        _started.append(pid)
        yield websocket, pid


async def next_message(websocket: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage:
    async with asyncio.timeout(20):  # not receive(timeout=): the server's heartbeat pings restart that one
        return await websocket.receive()


async def test_a_deck_that_does_not_quit_is_killed_when_its_tab_closes(tmp_path):
    async with tab_on_a_deck_that_will_not_quit(tmp_path / "deck.pid") as (websocket, pid):
        await websocket.close()
    assert not Path(f"/proc/{pid}").exists(), "the deck outlived its session"


async def test_a_deck_that_does_not_quit_is_killed_when_the_server_stops(tmp_path):
    async with tab_on_a_deck_that_will_not_quit(tmp_path / "deck.pid") as (_, pid):
        pass
    assert not Path(f"/proc/{pid}").exists(), "the deck outlived the server"


async def test_a_malformed_message_from_the_browser_ends_the_session_and_its_deck(tmp_path):
    async with tab_on_a_deck_that_will_not_quit(tmp_path / "deck.pid") as (websocket, pid):
        await websocket.send_str("{not json")
        assert (await next_message(websocket)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert not Path(f"/proc/{pid}").exists()


async def test_a_deck_that_fails_to_start_closes_its_tab_instead_of_leaving_it_waiting():
    async with tab("raise SystemExit(3)") as websocket:
        assert (await next_message(websocket)).type is aiohttp.WSMsgType.CLOSE
