"""HttpClient's bounds: a deadline for a whole request, a size limit for an answer, large
bodies decoded off the event loop, and a cap on the Retry-After it waits for."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes import InstantClock, RecordingClock, make_monitor
from scripted_server import Reply, serving

from jobdeck.adapters.drp import DrpAdapter, DrpSettings
from jobdeck.adapters.kit.http import HttpClient
from jobdeck.adapters.kit.http_body import THREAD_DECODE_BYTES, loads, loads_off_loop
from jobdeck.adapters.kit.http_waits import DECK_MAX_RETRY_AFTER, ONE_SHOT_MAX_RETRY_AFTER, one_shot_waits
from jobdeck.emulators.drp import DEMO_TOKEN, DrpEmulator
from jobdeck.emulators.faults import Faults
from jobdeck.errors import BadResponse, Unreachable
from jobdeck.monitor.events import HealthStatus



@pytest.fixture
def clock() -> RecordingClock:
    return RecordingClock()


def client_of(handler: Callable[[httpx.Request], httpx.Response], clock: RecordingClock, **kwargs: Any) -> HttpClient:
    return HttpClient(backend="toy", base_url="http://toy.example", clock=clock,
                      transport=httpx.MockTransport(handler), **kwargs)


# -- the deadline ------------------------------------------------------------------------------


async def test_an_answer_trickling_in_a_byte_at_a_time_is_cut_off_at_the_deadline(clock: RecordingClock) -> None:
    body = json.dumps({"jobs": ["x" * 40]}).encode()
    with serving(lambda asked: Reply(body=body, trickle=0.05)) as served:
        # Each byte comes well within the read timeout: only the deadline can end this.
        client = HttpClient(backend="toy", base_url=served.url, clock=clock, timeout=5, deadline=0.3, retries=0)
        try:
            with pytest.raises(Unreachable) as raised:
                await client.get_json("/jobs")
        finally:
            await client.aclose()
    assert str(raised.value) == "toy: GET /jobs: no complete answer within 0.3 s"


async def test_the_deadline_covers_the_retries_too(clock: RecordingClock) -> None:
    asked = 0

    async def slow_failure(request: httpx.Request) -> httpx.Response:
        nonlocal asked
        asked += 1
        await asyncio.sleep(0.1)
        return httpx.Response(503)

    client = HttpClient(backend="toy", base_url="http://toy.example", clock=clock,
                        transport=httpx.MockTransport(slow_failure), deadline=0.15, retries=5)
    with pytest.raises(Unreachable, match="no complete answer within 0.15 s"):
        await client.get_json("/jobs")
    assert asked < 6


async def test_a_backends_deadline_setting_bounds_its_polls_and_the_monitor_says_it_is_down(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DRP_TEST_TOKEN", DEMO_TOKEN)
    emulator = DrpEmulator(seed=3, speed=0, history=20)
    emulator.faults = Faults(latency=2)
    settings = DrpSettings(name="drp", endpoint="http://drp.test", token_env="DRP_TEST_TOKEN", deadline=0.1,
                           push=False)
    adapter = DrpAdapter(settings, clock=InstantClock(emulator.clock), transport=emulator.transport())
    monitor = make_monitor(tmp_path, [adapter], clock=InstantClock(emulator.clock))
    try:
        await monitor.poll_once()
        health = monitor.health()["drp"]
    finally:
        await monitor.stop()
    assert health.status is HealthStatus.DOWN
    assert (health.last_error or "").endswith("drp: GET /machines: no complete answer within 0.1 s")


def test_the_deadline_is_30_seconds_unless_set() -> None:
    settings = DrpSettings(name="drp", endpoint="http://drp.test", token_env="T")
    assert settings.deadline == 30
    assert settings.max_response_mb == 64


# -- the size limit --------------------------------------------------------------------------------


class Body(httpx.AsyncByteStream):
    """``pieces`` chunks of 1 KiB (for ever when None), counting how many were read."""

    def __init__(self, pieces: int | None = None) -> None:
        self.pieces = pieces
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pieces is None or self.read < self.pieces:
            self.read += 1
            yield b" " * 1024


async def test_an_answer_longer_than_the_limit_by_its_content_length_is_refused_unread(clock: RecordingClock) -> None:
    body = Body(pieces=10_000)
    client = client_of(lambda request: httpx.Response(200, headers={"Content-Length": str(10_000 * 1024)},
                                                      stream=body), clock, max_response_bytes=64 * 1024)
    with pytest.raises(BadResponse) as raised:
        await client.get_json("/jobs")
    assert str(raised.value) == (
        "toy: GET /jobs: the answer (9.8 MiB) is larger than the limit of 64.0 KiB "
        "(the backend's max_response_mb setting)"
    )
    assert body.read == 0


async def test_an_answer_without_a_length_is_counted_as_it_arrives_and_cut_off_past_the_limit(
    clock: RecordingClock,
) -> None:
    body = Body(pieces=None)  # endless
    client = client_of(lambda request: httpx.Response(200, stream=body), clock, max_response_bytes=64 * 1024)
    too_large = r"the answer is larger than the limit of 64\.0 KiB \(the backend's max_response_mb setting\)$"
    with pytest.raises(BadResponse, match=too_large):
        await client.request("GET", "/log")
    assert body.read == 65


async def test_a_head_answer_is_not_refused_for_the_length_of_the_body_a_get_would_have(clock: RecordingClock) -> None:
    client = client_of(lambda request: httpx.Response(200, headers={"Content-Length": str(10**9), "X-Count": "7"}),
                       clock, max_response_bytes=64 * 1024)
    assert (await client.request("HEAD", "/jobs")).headers["X-Count"] == "7"


async def test_an_answer_within_the_limit_is_read_whole(clock: RecordingClock) -> None:
    client = client_of(lambda request: httpx.Response(200, stream=Body(pieces=64)), clock,
                       max_response_bytes=64 * 1024)
    assert len((await client.request("GET", "/log")).content) == 64 * 1024


async def test_a_backends_max_response_mb_setting_limits_its_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_TEST_TOKEN", DEMO_TOKEN)
    emulator = DrpEmulator(seed=3, speed=0, history=20)
    settings = DrpSettings(name="drp", endpoint="http://drp.test", token_env="DRP_TEST_TOKEN",
                           max_response_mb=0.001, push=False)
    adapter = DrpAdapter(settings, clock=InstantClock(emulator.clock), transport=emulator.transport())
    await adapter.open()
    try:
        with pytest.raises(BadResponse, match=r"larger than the limit of 1\.0 KiB \(the backend's max_response_mb"):
            await adapter.list_jobs()
    finally:
        await adapter.close()


# -- decoding large bodies ---------------------------------------------------------------------------


def big_listing() -> bytes:
    jobs = [{"id": f"job-{n}", "state": "running", "meta": {"n": n, "tags": ["a", "b"]}, "text": "x" * 200}
            for n in range(THREAD_DECODE_BYTES // 200)]
    return json.dumps({"items": jobs, "total": len(jobs)}).encode()


async def test_the_event_loop_keeps_running_while_a_large_body_is_decoded() -> None:
    body = big_listing()
    decoding = asyncio.create_task(loads_off_loop(body))
    turns = 0
    while not decoding.done():
        turns += 1
        await asyncio.sleep(0)
    assert decoding.result() == json.loads(body)
    assert turns > 1


@pytest.mark.parametrize(
    "text",
    [
        '{"items": [1, {"a": [2, 3]}, "x"], "total": 3}',
        '[{"a": 1}, {"b": {"c": [true, false, null]}}]',
        ' { "empty" : [ ] , "nested" : { } , "s" : "\\u00e9\\ud83d\\ude00" } ',
        "[]",
        '"just a string"',
        "12.5",
    ],
)
async def test_a_large_body_decodes_as_json_loads_would(text: str) -> None:
    padded = text + " " * THREAD_DECODE_BYTES  # large enough to be decoded in a thread
    assert await loads_off_loop(padded.encode()) == json.loads(text)


@pytest.mark.parametrize("text", ['{"items": [1, 2', '[1 2]', '{"a" 1}', "[1,]", '{"a": 1} extra', ""])
async def test_a_large_body_that_is_not_json_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        await loads_off_loop((text + " " * THREAD_DECODE_BYTES).encode())
    with pytest.raises(ValueError):
        loads(text.encode())


async def test_a_large_body_is_decoded_by_get_json(clock: RecordingClock) -> None:
    body = big_listing()
    client = client_of(lambda request: httpx.Response(200, content=body), clock)
    assert await client.get_json("/jobs") == json.loads(body)


# -- Retry-After ------------------------------------------------------------------------------------------


def rate_limited_then(answer: httpx.Response, retry_after: str) -> Callable[[httpx.Request], httpx.Response]:
    answers = [httpx.Response(429, headers={"Retry-After": retry_after}), answer]
    return lambda request: answers.pop(0) if len(answers) > 1 else answers[0]


async def test_a_retry_after_longer_than_the_deck_waits_is_not_waited_for_and_the_error_says_what_was_asked(
    clock: RecordingClock,
) -> None:
    client = client_of(rate_limited_then(httpx.Response(200, json={}), "999999"), clock)
    with pytest.raises(Unreachable) as raised:
        await client.get_json("/jobs")
    assert clock.slept == []
    assert str(raised.value) == (
        "toy: GET /jobs was refused: too many requests (HTTP 429); "
        f"the server asked to wait 999999 s, longer than jobdeck waits ({DECK_MAX_RETRY_AFTER:g} s)"
    )
    assert raised.value.retry_after == 999999  # the monitor's backoff honours it (within its own cap)


async def test_a_one_shot_command_waits_less_and_says_what_it_waits_for(clock: RecordingClock) -> None:
    said: list[str] = []
    with one_shot_waits(said.append):
        waited = client_of(rate_limited_then(httpx.Response(200, json={"ok": 1}), "5"), clock)
        assert await waited.get_json("/jobs") == {"ok": 1}
        longer = f"{ONE_SHOT_MAX_RETRY_AFTER + 1:g}"
        too_long = client_of(rate_limited_then(httpx.Response(200, json={}), longer), clock)
        with pytest.raises(Unreachable, match=r"asked to wait 11 s, longer than jobdeck waits \(10 s\)"):
            await too_long.get_json("/jobs")
    assert clock.slept == [5.0]
    assert said == ["toy: rate limited, retrying in 5 s"]


async def test_outside_a_one_shot_command_waits_are_not_reported(clock: RecordingClock) -> None:
    said: list[str] = []
    with one_shot_waits(said.append):
        pass
    client = client_of(rate_limited_then(httpx.Response(200, json={}), "12"), clock)
    assert await client.get_json("/jobs") == {}
    assert clock.slept == [12.0] and said == []


async def test_a_retry_after_past_the_deadline_is_not_waited_for(clock: RecordingClock) -> None:
    client = client_of(rate_limited_then(httpx.Response(200, json={}), "20"), clock, deadline=10)
    with pytest.raises(Unreachable, match=r"asked to wait 20 s, longer than is left of the 10 s deadline"):
        await client.get_json("/jobs")
    assert clock.slept == []
