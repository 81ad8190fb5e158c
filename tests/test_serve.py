"""`jobdeck serve`: the deck in a browser, read-only unless asked otherwise."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ports import free_port
from processes import Processes

from jobdeck.serve import Access, deck_command, is_loopback, listen_host, token_required


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
    assert command == ["exec", "python3", "-m", "jobdeck", "--read-only"]
    config = tmp_path / "config.toml"
    command = shlex.split(deck_command(config_path=config, allow_actions=True, python="python3"))
    assert command == ["exec", "python3", "-m", "jobdeck", "--config", str(config.resolve())]


def test_loopback_addresses_are_recognised():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


def test_a_token_is_required_off_loopback_or_when_asked():
    assert not token_required("127.0.0.1") and not token_required("::1") and not token_required("localhost")
    assert token_required("0.0.0.0") and token_required("192.168.1.20") and token_required("deck.lan")
    assert token_required("127.0.0.1", require_token=True)


def test_listen_host_takes_addresses_and_host_names_and_nothing_else():
    assert listen_host("127.0.0.1") == "127.0.0.1"
    assert listen_host("[::1]") == "::1"
    assert listen_host("deck.example.org") == "deck.example.org"
    for bad in ("", "bad host!!", "http://x", "a..b", "-x", "x" * 64):
        with pytest.raises(ValueError):
            listen_host(bad)


def test_the_start_url_carries_the_token_only_when_it_is_required():
    loopback = Access(token_required=False)
    assert loopback.page_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    anywhere = Access(token_required=True)
    assert anywhere.page_url("::", 8000) == f"http://[::]:8000/?token={anywhere.token}"
    assert Access(token_required=True).token != anywhere.token  # one per run
    assert anywhere.token not in repr(anywhere)


def test_the_page_rules():
    loopback = Access(token_required=False)
    own = {"scheme": "http", "host": "127.0.0.1:8000"}
    assert loopback.page_refusal(**own, origin=None, token=None) is None
    assert loopback.page_refusal(**own, origin="http://127.0.0.1:8000", token=None) is None
    assert loopback.page_refusal(**own, origin="HTTP://127.0.0.1:8000", token=None) is None
    assert loopback.page_refusal(**own, origin="http://evil.example", token=None)
    assert loopback.page_refusal(**own, origin="null", token=None)
    assert loopback.page_refusal(scheme="http", host="[::1]:8000", origin=None, token=None) is None
    assert loopback.page_refusal(scheme="http", host="localhost:9000", origin=None, token=None) is None  # a tunnel
    assert loopback.page_refusal(scheme="http", host="evil.example:8000", origin=None, token=None)
    assert loopback.page_refusal(scheme="http", host="evil.example:8000", origin=None, token=loopback.token) is None
    anywhere = Access(token_required=True)
    lan = {"scheme": "http", "host": "deck.lan:8000"}
    assert anywhere.page_refusal(**lan, origin=None, token=None)
    assert anywhere.page_refusal(**lan, origin=None, token="guess")
    assert anywhere.page_refusal(**lan, origin=None, token="é") is not None  # no TypeError from the comparison
    assert anywhere.page_refusal(**lan, origin=None, token=anywhere.token) is None
    assert anywhere.page_refusal(**lan, origin="http://evil.example", token=anywhere.token)


def test_the_websocket_rules():
    access = Access(token_required=False)
    own = {"scheme": "http", "host": "127.0.0.1:8000"}
    assert access.websocket_refusal(**own, origin="http://127.0.0.1:8000", token=access.token) is None
    assert access.websocket_refusal(**own, origin=None, token=access.token)
    assert access.websocket_refusal(**own, origin="http://evil.example", token=access.token)
    assert access.websocket_refusal(**own, origin="http://127.0.0.1:8000", token="guess")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "99999 is not in the range"),
        (["--port", "0"], "0 is not in the range"),
        (["--port", "http"], "is not a valid integer"),
        (["--host", "bad host!!"], "neither an IP address nor a host name"),
        (["--host", ""], "neither an IP address nor a host name"),
    ],
)
def test_a_bad_port_or_host_is_a_usage_error(jobdeck_env, args, message):
    result = subprocess.run(
        [sys.executable, "-m", "jobdeck", "serve", *args], env=jobdeck_env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "TaskGroup" not in result.stderr


def test_serve_answers_with_the_deck_page_once_it_says_where(start_serve):
    port = free_port()
    process = start_serve("--port", str(port))
    assert process.stderr is not None
    start_line = process.stderr.readline().decode()  # printed once the port is bound
    assert f"at http://127.0.0.1:{port}/ (Ctrl-C stops)" in start_line, start_line
    response = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
    assert response.status_code == 200
    assert "jobdeck" in response.text
    assert "/ws/" in response.text  # the page connects to the deck over a websocket


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
    assert f"cannot serve on 127.0.0.1:{port}: the port is already in use" in stderr
    assert "Traceback" not in stderr
