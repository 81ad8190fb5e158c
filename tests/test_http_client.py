"""HttpClient: every HTTP failure becomes a jobdeck error kind, with retries and Retry-After."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest
from fakes import RecordingClock
from pydantic import BaseModel, TypeAdapter
from toy_emulator import LOG_TEXT, TOKEN, ToyEmulator

from jobdeck.adapters.kit.http import (
    MAX_RETRY_AFTER,
    HttpClient,
    NotRun,
    all_results,
    gather_bounded,
    parse_retry_after,
    validate,
)
from jobdeck.emulators import Faults, running
from jobdeck.errors import AuthFailed, BadResponse, NotFound, Unreachable

START = RecordingClock.START
Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers requests from a list of responses (or exceptions), one per request, recording each."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def clock() -> RecordingClock:
    return RecordingClock()


@pytest.fixture
def make_client(clock: RecordingClock) -> Iterator[Callable[..., HttpClient]]:
    def make(handler: Handler, **kwargs: object) -> HttpClient:
        return HttpClient(
            backend="toy",
            base_url="https://user:pw@toy.example/api",
            clock=clock,
            transport=httpx.MockTransport(handler),
            **kwargs,  # type: ignore[arg-type]
        )

    yield make


def error_body(message: str) -> bytes:
    return json.dumps({"error": {"message": message}}).encode()


# -- success ---------------------------------------------------------------------------------


async def test_get_json_returns_the_decoded_body_and_sends_the_clients_headers(
    make_client: Callable[..., HttpClient],
) -> None:
    script = Script(httpx.Response(200, json={"ok": True}))
    client = make_client(script, headers={"x-api-key": "k"})

    assert await client.get_json("/jobs", params={"page": 1}) == {"ok": True}
    assert script.requests[0].url == "https://user:pw@toy.example/api/jobs?page=1"
    assert script.requests[0].headers["x-api-key"] == "k"


async def test_a_status_the_caller_expects_is_returned_not_raised(make_client: Callable[..., HttpClient]) -> None:
    client = make_client(Script(httpx.Response(400, json={"error": {"message": "no such job"}})))
    response = await client.request("GET", "/jobs/x", expect=(200, 400))
    assert response.status_code == 400


# -- statuses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, AuthFailed, "toy: GET /jobs: the credentials were rejected (HTTP 401): nope"),
        (403, AuthFailed, "toy: GET /jobs: permission denied (HTTP 403): nope"),
        (404, NotFound, "toy: GET /jobs: not found (HTTP 404): nope"),
        (409, BadResponse, "toy: GET /jobs: unexpected HTTP 409: nope"),
        (500, Unreachable, "toy: GET /jobs failed on the server (HTTP 500): nope"),
        (503, Unreachable, "toy: GET /jobs failed on the server (HTTP 503): nope"),
    ],
)
async def test_each_failing_status_becomes_its_error_kind_with_the_backends_text(
    make_client: Callable[..., HttpClient], status: int, kind: type[Exception], words: str
) -> None:
    client = make_client(Script(httpx.Response(status, content=error_body("nope"))))

    with pytest.raises(kind) as raised:
        await client.get_json("/jobs?token=s3cret")

    assert str(raised.value) == words


async def test_the_backends_own_error_extractor_is_used(make_client: Callable[..., HttpClient]) -> None:
    body = {"Model": "jobs", "Messages": ["job is locked"], "Code": 409}
    client = make_client(
        Script(httpx.Response(409, json=body)), error_message=lambda response: response.json()["Messages"][0]
    )
    with pytest.raises(BadResponse, match="unexpected HTTP 409: job is locked"):
        await client.request("POST", "/jobs")


async def test_an_error_extractor_that_fails_does_not_hide_the_status(make_client: Callable[..., HttpClient]) -> None:
    client = make_client(Script(httpx.Response(418, content=b"teapot")), error_message=lambda response: response.json())
    with pytest.raises(BadResponse, match="unexpected HTTP 418$"):
        await client.request("GET", "/jobs")


# -- transport failures ---------------------------------------------------------------------------


async def test_a_refused_connection_is_unreachable_and_names_the_address_without_credentials(
    make_client: Callable[..., HttpClient],
) -> None:
    client = make_client(Script(httpx.ConnectError("Connection refused")), retries=0)

    with pytest.raises(Unreachable) as raised:
        await client.get_json("/jobs")

    assert str(raised.value) == "toy: cannot connect to https://toy.example/api (Connection refused)"


async def test_a_timeout_is_unreachable(make_client: Callable[..., HttpClient]) -> None:
    client = make_client(Script(httpx.ReadTimeout("slow")), retries=0, timeout=2.5)
    with pytest.raises(Unreachable, match=r"toy: GET /jobs timed out after 2\.5 s"):
        await client.get_json("/jobs")


async def test_a_dropped_connection_is_unreachable(make_client: Callable[..., HttpClient]) -> None:
    client = make_client(Script(httpx.RemoteProtocolError("peer closed connection")), retries=0)
    with pytest.raises(Unreachable, match="toy: GET /jobs: the connection broke"):
        await client.get_json("/jobs")


async def test_a_real_refused_port_is_unreachable(clock: RecordingClock) -> None:
    with running(ToyEmulator(speed=0)) as url:
        pass  # the server is gone: its port now refuses connections
    client = HttpClient(backend="toy", base_url=url, clock=clock, retries=0)
    with pytest.raises(Unreachable, match="toy: cannot connect to http://127.0.0.1:"):
        await client.get_json("/jobs")
    await client.aclose()


# -- bad bodies -----------------------------------------------------------------------------------


async def test_a_body_that_is_not_json_is_a_bad_response(make_client: Callable[..., HttpClient]) -> None:
    client = make_client(Script(httpx.Response(200, content=b"<html>oops</html>")))
    with pytest.raises(BadResponse, match=r"^toy: GET /jobs: the response is not valid JSON \(Expecting value"):
        await client.get_json("/jobs")


async def test_a_truncated_json_body_is_a_bad_response(make_client: Callable[..., HttpClient]) -> None:
    client = make_client(Script(httpx.Response(200, content=b'{"jobs": [{"id": "a"}, {"id"')))
    with pytest.raises(BadResponse, match="the response is not valid JSON"):
        await client.get_json("/jobs")


# -- retries --------------------------------------------------------------------------------------


async def test_a_get_is_retried_after_a_5xx_with_backoff_on_the_clock(
    make_client: Callable[..., HttpClient], clock: RecordingClock
) -> None:
    script = Script(httpx.Response(503), httpx.ConnectError("refused"), httpx.Response(200, json=[1]))
    client = make_client(script, retries=2)

    assert await client.get_json("/jobs") == [1]
    assert len(script.requests) == 3
    assert clock.slept == [0.5, 1.0]


async def test_a_get_gives_up_after_its_retries(make_client: Callable[..., HttpClient]) -> None:
    script = Script(httpx.Response(503))
    client = make_client(script, retries=2)
    with pytest.raises(Unreachable):
        await client.get_json("/jobs")
    assert len(script.requests) == 3


async def test_a_post_is_not_retried_unless_asked(make_client: Callable[..., HttpClient]) -> None:
    script = Script(httpx.Response(503), httpx.Response(200))
    client = make_client(script)
    with pytest.raises(Unreachable):
        await client.request("POST", "/jobs/1/trigger")
    assert len(script.requests) == 1

    assert (await client.request("POST", "/jobs/1/trigger", retry=True)).status_code == 200


async def test_a_429_is_retried_after_the_seconds_retry_after_asks(
    make_client: Callable[..., HttpClient], clock: RecordingClock
) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "4"}), httpx.Response(200, json={}))
    client = make_client(script)

    assert await client.get_json("/jobs") == {}
    assert clock.slept == [4.0]


async def test_a_429_retry_after_given_as_an_http_date_is_honoured(
    make_client: Callable[..., HttpClient], clock: RecordingClock
) -> None:
    when = format_datetime(START + timedelta(seconds=9), usegmt=True)
    script = Script(httpx.Response(429, headers={"Retry-After": when}), httpx.Response(200, json={}))

    await make_client(script).get_json("/jobs")

    assert clock.slept == [9.0]


async def test_a_429_that_persists_is_unreachable_with_its_retry_after(
    make_client: Callable[..., HttpClient], clock: RecordingClock
) -> None:
    client = make_client(Script(httpx.Response(429, headers={"Retry-After": "4"})), retries=1)

    with pytest.raises(Unreachable) as raised:
        await client.get_json("/jobs")

    assert raised.value.retry_after == 4
    assert clock.slept == [4]
    assert str(raised.value) == "toy: GET /jobs was refused: too many requests (HTTP 429); retry after 4 s"


async def test_a_429_asking_for_longer_than_the_client_waits_fails_at_once(
    make_client: Callable[..., HttpClient], clock: RecordingClock
) -> None:
    client = make_client(Script(httpx.Response(429, headers={"Retry-After": "120"})), retries=1)

    with pytest.raises(Unreachable) as raised:
        await client.get_json("/jobs")

    assert raised.value.retry_after == 120
    assert clock.slept == []
    assert f"the server asked to wait 120 s, longer than jobdeck waits ({MAX_RETRY_AFTER:g} s)" in str(raised.value)


def test_retry_after_is_read_as_seconds_or_a_date_as_the_server_asked(clock: RecordingClock) -> None:
    assert parse_retry_after("2", clock) == 2
    assert parse_retry_after("999999", clock) == 999999
    assert parse_retry_after(format_datetime(START - timedelta(seconds=5), usegmt=True), clock) == 0
    assert parse_retry_after("whenever", clock) is None
    assert parse_retry_after("inf", clock) is None
    assert parse_retry_after(None, clock) is None


# -- streams ----------------------------------------------------------------------------------------


@pytest.fixture
async def emulated(clock: RecordingClock) -> AsyncIterator[tuple[ToyEmulator, HttpClient]]:
    toy = ToyEmulator(speed=0)
    client = HttpClient(
        backend="toy",
        base_url="http://toy",
        clock=clock,
        transport=toy.transport(),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    yield toy, client
    await client.aclose()


async def test_a_stream_delivers_the_body(emulated: tuple[ToyEmulator, HttpClient]) -> None:
    _, client = emulated
    async with client.stream("GET", "/log") as response:
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
    assert body == LOG_TEXT.encode()


async def test_a_stream_dropped_half_way_raises_unreachable(emulated: tuple[ToyEmulator, HttpClient]) -> None:
    toy, client = emulated
    toy.faults = Faults(drop_log=True)
    received = b""
    with pytest.raises(Unreachable, match="toy: GET /log: the connection broke"):
        async with client.stream("GET", "/log") as response:
            async for chunk in response.aiter_bytes():
                received += chunk
    assert received == LOG_TEXT.encode()[: len(LOG_TEXT) // 2]


async def test_a_stream_that_fails_to_start_maps_its_status(emulated: tuple[ToyEmulator, HttpClient]) -> None:
    toy, client = emulated
    toy.faults = Faults(unauthorized=True)
    with pytest.raises(AuthFailed, match="the credentials were rejected"):
        async with client.stream("GET", "/log"):
            pass


async def test_the_client_works_against_an_emulator_with_faults(emulated: tuple[ToyEmulator, HttpClient]) -> None:
    toy, client = emulated
    toy.faults = Faults(malformed=1)
    with pytest.raises(BadResponse, match="not valid JSON"):
        await client.get_json("/jobs")
    toy.faults = Faults(truncated=1)
    with pytest.raises(BadResponse, match="not valid JSON"):
        await client.get_json("/jobs")


# -- validate ---------------------------------------------------------------------------------------


class Job(BaseModel):
    id: str
    state: str
    runs: int


def test_validate_returns_the_model() -> None:
    job = validate(Job, {"id": "a", "state": "done", "runs": 1}, what="job a", backend="toy")
    assert job == Job(id="a", state="done", runs=1)
    assert validate(TypeAdapter(list[int]), [1, 2], what="ids", backend="toy") == [1, 2]


def test_validate_names_the_first_bad_fields_without_their_values() -> None:
    data = {"jobs": [{"id": "a", "state": "done", "runs": "lots", "password": "hunter2"}, {}]}
    with pytest.raises(BadResponse) as raised:
        validate(TypeAdapter(dict[str, list[Job]]), data, what="the job list", backend="toy")
    message = str(raised.value)
    assert message.startswith("toy: the job list is not in the expected format: jobs[0].runs: Input should be")
    assert "(and 1 more)" in message
    assert "lots" not in message and "hunter2" not in message


# -- gather_bounded ------------------------------------------------------------------------


class Calls:
    """Scripted calls that note how many of them run at once; ``fail`` maps an index to its error."""

    def __init__(self, fail: dict[int, Exception] | None = None) -> None:
        self.fail = fail or {}
        self.now = self.peak = 0
        self.started: list[int] = []

    def call(self, index: int) -> Callable[[], Awaitable[int]]:
        async def run() -> int:
            self.started.append(index)
            self.now += 1
            self.peak = max(self.peak, self.now)
            try:
                for _ in range(3):
                    await asyncio.sleep(0)
                if index in self.fail:
                    raise self.fail[index]
                return index * 10
            finally:
                self.now -= 1

        return run


async def test_gather_bounded_runs_a_few_at_a_time_and_keeps_the_order() -> None:
    calls = Calls()
    outcomes = await gather_bounded([calls.call(index) for index in range(20)], limit=4)
    assert outcomes == [index * 10 for index in range(20)]
    assert calls.peak == 4


async def test_gather_bounded_gives_failures_in_place_and_starts_no_later_call_after_one() -> None:
    error = BadResponse("count 5 failed")
    calls = Calls(fail={5: error})
    outcomes = await gather_bounded([calls.call(index) for index in range(20)], limit=4)
    assert outcomes[:5] == [0, 10, 20, 30, 40]  # the earlier calls all ran
    assert outcomes[5] is error
    later = [index for index in range(6, 20) if isinstance(outcomes[index], NotRun)]
    assert later and len(calls.started) < 20 and not set(later) & set(calls.started)


async def test_gather_bounded_lets_cancellation_through() -> None:
    calls = Calls(fail={2: asyncio.CancelledError()})  # type: ignore[dict-item]
    with pytest.raises(asyncio.CancelledError):
        await gather_bounded([calls.call(index) for index in range(4)])


async def test_all_results_are_the_results_in_order_or_the_first_failure_in_the_order_of_the_calls() -> None:
    calls = Calls()
    assert all_results(await gather_bounded([calls.call(index) for index in range(6)], limit=2)) == [0, 10, 20, 30, 40, 50]

    earlier, later = BadResponse("the first call failed"), BadResponse("the second call failed")

    async def fails_late() -> int:
        for _ in range(5):
            await asyncio.sleep(0)
        raise earlier

    async def fails_at_once() -> int:
        raise later

    with pytest.raises(BadResponse) as raised:
        all_results(await gather_bounded([fails_late, fails_at_once]))
    assert raised.value is earlier  # not the one that failed first in time
