"""A real browser on the served deck: headless Chromium driven over the DevTools protocol.

Chromium is an engine like the others (``scripts/engines/chromium``: installed with apt as root
on first use, skipped with the reason where it cannot be), started once for the session and
stopped by pid at its end. Each module gets its own ``jobdeck serve``, read-only, on a DRP
emulator whose access log records every request the decks make.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
from cdp import Browser
from deck_page import DeckPage
from deck_processes import children, free_port, is_deck


def _engine_session() -> ModuleType:
    """tests/engines/engine_session.py, loaded from its file: putting tests/engines on sys.path here
    would change which of its data folders' same-named modules the engine tests import."""
    path = Path(__file__).resolve().parents[1] / "engines" / "engine_session.py"
    spec = importlib.util.spec_from_file_location("browser_engine_session", path)
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_engines = _engine_session()
Engine, EngineSession = _engines.Engine, _engines.EngineSession

HERE = Path(__file__).parent
#: Seconds a test here may take: the first one may install Chromium (apt) before it starts.
BROWSER_TEST_TIMEOUT_S = 600
#: How long serve and the emulator get to print where they listen, and to stop.
PROCESS_TIMEOUT_S = 30


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.timeout(BROWSER_TEST_TIMEOUT_S))


@pytest.fixture(scope="session")
def chromium_engine() -> Iterator[Engine]:
    """Headless Chromium with its DevTools on a free loopback port (``env["CHROMIUM_DEVTOOLS"]``)."""
    session = EngineSession()
    try:
        yield session.get("chromium")
    finally:
        session.stop_all()


@pytest.fixture(scope="session")
def browser(chromium_engine: Engine) -> Iterator[Browser]:
    connection = Browser(chromium_engine.env["CHROMIUM_DEVTOOLS"])
    yield connection
    connection.close()


def wait_for_line(path: Path, pattern: str, process: subprocess.Popen[bytes]) -> re.Match[str]:
    deadline = time.monotonic() + PROCESS_TIMEOUT_S
    while time.monotonic() < deadline:
        if found := re.search(pattern, path.read_text() if path.exists() else ""):
            return found
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"no {pattern!r} in {path.name}: {path.read_text() if path.exists() else ''}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, then SIGKILL if it has not stopped within PROCESS_TIMEOUT_S."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=PROCESS_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Recorder:
    """A DRP emulator (frozen: ``--speed 0``) whose access log holds every request it answered."""

    process: subprocess.Popen[bytes]
    log: Path
    url: str

    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request so far."""
        return re.findall(r'"([A-Z]+) (\S+) HTTP/[\d.]+"', self.log.read_text())


@pytest.fixture(scope="module")
def recorder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorder]:
    folder = tmp_path_factory.mktemp("drp")
    log = folder / "access.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobdeck", "emulate", "drp", "--speed", "0", "--port", str(free_port())],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        url = wait_for_line(log, r"on (http://\S+)", process).group(1)
        yield Recorder(process, log, url)
    finally:
        stop(process)


@dataclass
class ServedDeck:
    """A running ``jobdeck serve`` (read-only) on the recorder, and the decks its tabs started."""

    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    decks: set[int] = field(default_factory=set)

    @property
    def origin(self) -> str:
        """``http://host:port`` of the printed URL (without its path and token)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def live_decks(self) -> set[int]:
        return {pid for pid in children(self.process.pid) if is_deck(pid)}

    def open(self, browser: Browser, *, width: int = 1200, height: int = 800) -> tuple[DeckPage, int]:
        """A new tab on the deck, once it is drawn; and the pid of the deck process it started."""
        before = self.live_decks()
        page = DeckPage(browser.new_tab(self.url, width=width, height=height))
        page.wait_until_drawn()
        started = self.live_decks() - before
        assert len(started) == 1, f"a tab should start one deck; new processes: {started}"
        self.decks |= started
        return page, started.pop()


@pytest.fixture(scope="module")
def served(
    recorder: Recorder, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServedDeck]:
    """``jobdeck serve`` for the module, with the options in its ``SERVE_OPTIONS`` (none by default)."""
    folder = tmp_path_factory.mktemp("serve")
    config = folder / "config.toml"
    config.write_text(
        "[[backends]]\n"
        'kind = "drp"\nname = "drp"\n'
        f'endpoint = "{recorder.url}"\n'
        'user_env = "JOBDECK_DEMO_DRP_USER"\npassword_env = "JOBDECK_DEMO_DRP_PASSWORD"\n'
        "interval = 2.0\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "JOBDECK_CONFIG"}
    env |= {
        "JOBDECK_CONFIG_DIR": str(folder / "config"),
        "JOBDECK_DATA_DIR": str(folder / "data"),
        "JOBDECK_DEMO_DRP_USER": "rocketskates",
        "JOBDECK_DEMO_DRP_PASSWORD": "r0cketsk8ts",
    }
    stderr = folder / "serve.err"
    port = free_port()
    with stderr.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "jobdeck", "--config", str(config), "serve", "--port", str(port)),
                *getattr(request.module, "SERVE_OPTIONS", ()),
            ],
            stdout=subprocess.DEVNULL,
            stderr=out,
            env=env,
        )
    served = None
    try:
        url = wait_for_line(stderr, r"(http://\S+) \(Ctrl-C stops\)", process).group(1)
        served = ServedDeck(process, url, folder / "data")
        yield served
    finally:
        stop(process)
        if served is not None:
            left = {pid for pid in served.decks if is_deck(pid)}
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            assert not left, f"decks outlived jobdeck serve: {left}"
