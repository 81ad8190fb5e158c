"""`jobdeck serve` says where only once it serves there, and its page says when a deck has ended."""

from __future__ import annotations

import socket
import subprocess

import httpx
import pytest
from test_serve import free_port, jobdeck_env, start_serve  # noqa: F401 (fixtures)

from jobdeck.serve import ENDED_MESSAGE, page_with_messages


def test_on_a_busy_port_nothing_says_it_serves(start_serve):  # noqa: F811
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
    assert stderr.splitlines() == [f"jobdeck: cannot serve on 127.0.0.1:{port}: the port is already in use"]


def test_the_page_says_why_a_deck_ended_and_offers_a_new_one(start_serve):  # noqa: F811
    port = free_port()
    process = start_serve("--port", str(port))
    assert process.stderr is not None
    process.stderr.readline()  # the start line: the port is bound
    page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text
    assert "q quits it" in page and "Open a new deck" in page
    assert "Session ended." not in page


def test_the_ended_message_replaces_textual_serves_own():
    """If textual-serve's page changes, this says so (rather than the message silently going)."""
    from pathlib import Path

    import textual_serve

    template = (Path(textual_serve.__file__).parent / "templates" / "app_index.html").read_text()
    assert ENDED_MESSAGE in page_with_messages(template)
