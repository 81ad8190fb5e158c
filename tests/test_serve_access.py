"""`jobdeck serve` lets in only its own pages: the Origin, Host and token rules, end to end.

Each test starts a real `jobdeck serve` on a free loopback port and talks to it
with an HTTP client and a websocket client, as a browser (or a hostile page) would.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from ports import free_port
from processes import Processes
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

EVIL = "http://evil.example"


def descendants(pid: int) -> set[int]:
    """The pids of every process below ``pid`` (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def reap(pids: set[int]) -> set[int]:
    """Kill by pid whichever of ``pids`` is still a jobdeck process; returns those that were."""
    alive = set()
    for pid in pids:
        try:
            if "jobdeck" not in Path(f"/proc/{pid}/cmdline").read_text():
                continue  # gone, and the pid reused
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
        alive.add(pid)
    return alive


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    url: str  # the URL printed at start
    start_lines: list[str]
    decks: set[int] = field(default_factory=set)  # its deck processes seen so far, reaped at the end

    def note_decks(self) -> None:
        self.decks |= descendants(self.process.pid)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, path: str = "/", **headers: str) -> httpx.Response:
        return httpx.get(f"{self.origin}{path}", headers=headers, timeout=10)

    def websocket_url(self, page: httpx.Response) -> str:
        """The websocket URL the page's script connects to (it appends the terminal size)."""
        found = re.search(r'data-session-websocket-url="([^"]*)"', page.text)
        assert found, "the page names no websocket URL"
        return found.group(1) + "?width=80&height=24"

    def stop(self) -> str:
        """Stop the server (as Ctrl-C would) and return the rest of its stderr."""
        self.process.send_signal(signal.SIGINT)
        _, stderr = self.process.communicate(timeout=30)
        return stderr.decode()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    env = dict(os.environ)
    env.pop("JOBDECK_CONFIG", None)
    env["JOBDECK_CONFIG_DIR"] = str(tmp_path / "config")
    env["JOBDECK_DATA_DIR"] = str(tmp_path / "data")
    started: list[Served] = []
    with Processes(grace=10) as processes:

        def start(*args: str) -> Served:
            port = free_port()
            process = processes.start(
                [sys.executable, "-m", "jobdeck", "serve", "--port", str(port), *args],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            assert process.stderr is not None
            lines: list[str] = []
            # The start line is printed once the port is bound: reading it is the wait.
            while line := process.stderr.readline().decode():
                lines.append(line)
                if found := re.search(r"(http://\S+) \(Ctrl-C stops\)", line):
                    started.append(Served(process, port, found.group(1), lines))
                    return started[-1]
            process.wait(timeout=10)
            pytest.fail(f"serve printed no start line: {''.join(lines)}")

        yield start
    left = reap(set().union(*(served.decks for served in started)))
    assert not left, "serve left deck processes behind"


def test_the_page_names_the_websocket_it_guards(serve):
    served = serve()
    page = served.page()
    assert page.status_code == 200
    assert "/ws/" in served.websocket_url(page)


def test_a_websocket_from_another_origin_is_refused(serve):
    served = serve()
    url = served.websocket_url(served.page())
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin=EVIL, open_timeout=10)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403


def test_a_websocket_without_an_origin_is_refused(serve):
    served = serve()
    url = served.websocket_url(served.page())
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=10)
    assert refused.value.response.status_code == 403


def test_a_websocket_without_the_token_is_refused_even_from_the_same_origin(serve):
    served = serve()
    for path in ("/ws", "/ws/not-the-token"):
        with pytest.raises(InvalidStatus) as refused:
            url = f"ws://127.0.0.1:{served.port}{path}?width=80&height=24"
            connect(url, origin=served.origin, open_timeout=10)  # type: ignore[arg-type]
        assert refused.value.response.status_code in (403, 404)


def test_a_websocket_from_the_page_of_the_same_origin_streams_the_deck_and_leaves_no_process(serve):
    served = serve()
    url = served.websocket_url(served.page())
    with connect(url, origin=served.origin, open_timeout=10) as websocket:  # type: ignore[arg-type]
        assert websocket.recv(timeout=60)  # the deck's first bytes
        served.note_decks()
        assert served.decks
    served.stop()
    assert served.process.returncode == 0
    assert not reap(served.decks), "a deck outlived its tab"


def test_stopping_serve_with_a_deck_open_ends_the_deck_too(serve):
    served = serve()
    url = served.websocket_url(served.page())
    with connect(url, origin=served.origin, open_timeout=10) as websocket:  # type: ignore[arg-type]
        assert websocket.recv(timeout=60)
        served.note_decks()
        assert served.decks
        served.stop()
        assert served.process.returncode == 0
        assert not reap(served.decks), "a deck outlived serve"


def test_the_page_is_refused_to_another_origin(serve):
    served = serve()
    refused = served.page(Origin=EVIL)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/plain")


def test_the_page_is_refused_under_a_host_name_that_is_not_loopback(serve):
    # DNS rebinding: evil.example made to resolve to 127.0.0.1 reaches the port under its own name.
    served = serve()
    refused = served.page(Host=f"evil.example:{served.port}")
    assert refused.status_code == 403
    assert served.page(Host=f"localhost:{served.port}").status_code == 200


def test_the_page_may_not_be_framed_by_another_site(serve):
    served = serve()
    page = served.page()
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"


def test_with_require_token_the_page_needs_the_token_printed_at_start(serve):
    served = serve("--require-token")
    token = re.search(r"\?token=([\w-]+)$", served.url)
    assert token, f"no token in the start URL {served.url}"
    for path in ("/", "/?token=", "/?token=wrong", "/?token=%C3%A9", f"/?token={token.group(1)}x"):
        refused = served.page(path)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/plain")
        assert "token" in refused.text and len(refused.text) < 200
    page = httpx.get(served.url, timeout=10)
    assert page.status_code == 200
    assert served.page("/static/js/textual.js").status_code == 200  # the page's own script needs no token
    url = served.websocket_url(page)
    with connect(url, origin=served.origin, open_timeout=10):  # type: ignore[arg-type]
        served.note_decks()
    with pytest.raises(InvalidStatus):
        connect(url, origin=EVIL, open_timeout=10)  # type: ignore[arg-type]


def test_with_a_token_required_any_host_name_of_the_same_origin_is_let_in(serve):
    # Reached by a name (a LAN name, a tunnel), the page and its websocket carry the token.
    served = serve("--require-token")
    path = served.url.split(f":{served.port}", 1)[1]
    page = served.page(path, Host=f"deck.lan:{served.port}")
    assert page.status_code == 200
    assert served.websocket_url(page).startswith(f"ws://deck.lan:{served.port}/ws/")


def test_the_token_is_written_only_in_the_start_line(serve, tmp_path):
    served = serve("--require-token")
    token = served.url.rsplit("=", 1)[1]
    assert httpx.get(served.url, timeout=10).status_code == 200
    assert served.page("/?token=wrong").status_code == 403
    stderr = "".join(served.start_lines) + served.stop()
    assert stderr.count(token) == 1
    logs = "".join(path.read_text() for path in (tmp_path / "data").glob("*.log*"))
    assert '"GET /" 200' in logs and '"GET /" 403' in logs  # requests are logged, without their token
    assert token not in logs
