"""A streamed answer whose server rightly takes long to start (Airflow reads a whole task log
before its first byte) is waited for as long as the caller says, and no longer than the
client's timeout and deadline otherwise."""

from __future__ import annotations

import time

import pytest
from fakes import RecordingClock
from scripted_server import Reply, serving

from jobdeck.adapters.kit.http import HttpClient
from jobdeck.errors import Unreachable


def slow_to_start(asked) -> Reply:
    time.sleep(0.6)
    return Reply(body=b"the last line\n", headers={"Content-Type": "text/plain"})


async def read(url: str, wait: float | None) -> bytes:
    client = HttpClient(backend="toy", base_url=url, clock=RecordingClock(), timeout=0.2, deadline=0.2, retries=0)
    try:
        async with client.stream("GET", "/log", wait=wait) as response:
            return b"".join([piece async for piece in response.aiter_bytes()])
    finally:
        await client.aclose()


async def test_a_stream_slow_to_start_is_waited_for_as_long_as_the_caller_says():
    with serving(slow_to_start) as served:
        assert await read(served.url, wait=5.0) == b"the last line\n"


async def test_without_a_wait_it_is_given_up_at_the_client_s_bounds():
    with serving(slow_to_start) as served, pytest.raises(Unreachable):
        await read(served.url, wait=None)
