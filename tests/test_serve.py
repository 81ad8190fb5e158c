"""`jobdeck serve`: the deck in a browser, read-only unless asked otherwise."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from processes import Processes

from jobdeck.serve import deck_command, is_loopback


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def jobdeck_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a jobdeck process that keeps to ``tmp_path``."""
    env = dict(os.environ)
    env.pop("JOBDECK_CONFIG", None)
    env["JOBDECK_CONFIG_DIR"] = str(tmp_path / "config")
    env["JOBDECK_DATA_DIR"] = str(tmp_path / "data")
    return env


@pytest.fixture
def start_serve(jobdeck_env) -> Iterator:
    with Processes(grace=10) as processes:

        def start(*args: str) -> subprocess.Popen[bytes]:
            return processes.start(
                [sys.executable, "-m", "jobdeck", "serve", *args],
                env=jobdeck_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )

        yield start


def test_the_served_deck_is_read_only_unless_actions_are_allowed(tmp_path):
    command = shlex.split(deck_command(config_path=None, allow_actions=False, python="python3"))
    assert command == ["python3", "-m", "jobdeck", "--read-only"]
    config = tmp_path / "config.toml"
    command = shlex.split(deck_command(config_path=config, allow_actions=True, python="python3"))
    assert command == ["python3", "-m", "jobdeck", "--config", str(config.resolve())]


def test_loopback_addresses_are_recognised():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


def test_serve_answers_with_the_deck_page_on_a_loopback_port(start_serve):
    port = free_port()
    process = start_serve("--port", str(port))
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    response = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited early: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            response = httpx.get(url, timeout=2)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    assert response is not None, "the server did not answer within 20 s"
    assert response.status_code == 200
    assert "jobdeck" in response.text
    assert "/ws" in response.text  # the page connects to the deck over a websocket


def test_serve_on_a_busy_port_says_so_without_a_traceback(start_serve):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = start_serve("--port", str(port))
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail("serve kept running on a busy port")
    stderr = process.stderr.read().decode() if process.stderr else ""
    assert process.returncode == 1
    assert f"cannot serve on 127.0.0.1:{port}" in stderr
    assert "Traceback" not in stderr
