"""The emulator framework: simulated clock, lazy deterministic simulation, admin
routes, every fault switch (in-process and over loopback) and the server helpers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from toy_emulator import EVENTS, LOG_TEXT, TOKEN, WS_MESSAGES, ToyEmulator
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from jobdeck.emulators import Faults, SimClock, running
from jobdeck.emulators.core import DEFAULT_START
from jobdeck.emulators.faults import MALFORMED_BODY
from jobdeck.emulators.server import bind

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def toy() -> ToyEmulator:
    return ToyEmulator(seed=7, speed=0)


@pytest.fixture
async def client(toy: ToyEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=toy.transport(), base_url="http://toy") as client:
        yield client


async def read_all(client: httpx.AsyncClient, path: str) -> tuple[bytes, Exception | None]:
    """The bytes a streamed GET delivered, and the error that ended it early (if any)."""
    received = b""
    try:
        async with client.stream("GET", path) as response:
            async for chunk in response.aiter_bytes():
                received += chunk
    except httpx.TransportError as exc:
        return received, exc
    return received, None


# -- SimClock ----------------------------------------------------------------------------


def test_a_frozen_sim_clock_moves_only_when_advanced() -> None:
    clock = SimClock(speed=0)
    assert clock.now() == DEFAULT_START == datetime(2026, 1, 1, 12, tzinfo=UTC)

    clock.advance(90)

    assert (clock.now() - DEFAULT_START).total_seconds() == 90
    assert clock.monotonic() == 90


def test_a_sim_clock_at_speed_one_runs_with_real_time() -> None:
    clock = SimClock(speed=1.0)
    before = clock.monotonic()
    time.sleep(0.02)
    assert 0.02 <= clock.monotonic() - before < 1


def test_a_sim_clock_refuses_to_go_backward() -> None:
    with pytest.raises(ValueError, match="backward"):
        SimClock(speed=0).advance(-1)


async def test_sleeping_on_a_frozen_sim_clock_waits_for_advance() -> None:
    clock = SimClock(speed=0)
    sleeper = asyncio.create_task(clock.sleep(5))
    await asyncio.sleep(0.03)
    assert not sleeper.done()

    clock.advance(5)

    await asyncio.wait_for(sleeper, timeout=1)


# -- the simulation --------------------------------------------------------------------


def test_sync_runs_one_step_per_whole_tick_of_simulated_time(toy: ToyEmulator) -> None:
    toy.clock.advance(2.5)
    toy.sync()
    assert toy.steps == 2

    toy.advance(0.5)

    assert toy.steps == 3


def test_the_same_seed_gives_the_same_simulation_and_another_seed_does_not() -> None:
    def states(seed: int) -> list[str]:
        emulator = ToyEmulator(seed=seed, speed=0)
        emulator.advance(2)
        return [job["state"] for job in emulator.jobs]

    assert states(7) == states(7)
    assert any(states(7) != states(seed) for seed in range(8, 14))


def test_the_simulation_does_not_depend_on_how_often_it_is_synced() -> None:
    once, often = ToyEmulator(seed=3, speed=0), ToyEmulator(seed=3, speed=0)
    once.advance(5)
    for _ in range(10):
        often.advance(0.5)
    assert once.jobs == often.jobs


async def test_every_request_brings_the_simulation_up_to_date(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.clock.advance(4)  # time moves, nobody calls sync

    await client.get("/jobs", headers=AUTH)

    assert toy.steps == 4


# -- serving in-process ------------------------------------------------------------------


async def test_the_in_process_transport_serves_the_emulators_routes(client: httpx.AsyncClient) -> None:
    response = await client.get("/jobs", headers=AUTH)

    assert response.status_code == 200
    assert [job["id"] for job in response.json()["jobs"]] == ["job-0", "job-1", "job-2"]


async def test_an_unknown_path_answers_in_the_backends_error_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/thing")

    assert response.status_code == 404
    assert response.json() == {"error": {"message": "Not Found", "code": 404}}


async def test_the_in_process_transport_streams_an_endless_response_chunk_by_chunk(client: httpx.AsyncClient) -> None:
    received: list[bytes] = []
    async with client.stream("GET", "/events", params={"endless": "1"}) as response:
        async for chunk in response.aiter_bytes():
            received.append(chunk)
            if len(received) == 3:
                break
    assert received[0] == b"data: event 0\n\n"


async def test_a_head_request_gets_headers_and_no_body(client: httpx.AsyncClient) -> None:
    response = await client.head("/log")
    assert response.status_code == 200
    assert response.content == b""


# -- admin routes ------------------------------------------------------------------------


async def test_faults_can_be_read_and_replaced_through_the_admin_route(
    toy: ToyEmulator, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/_emulator/faults")).json() == Faults().model_dump()

    response = await client.put("/_emulator/faults", json={"error_rate": 0.5, "drift": True})

    assert response.status_code == 200
    assert toy.faults == Faults(error_rate=0.5, drift=True)


async def test_invalid_faults_are_refused_with_the_field_named(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    response = await client.put("/_emulator/faults", json={"error_rate": 2})

    assert response.status_code == 422
    assert "error_rate" in response.json()["problems"][0]
    assert toy.faults == Faults()


async def test_the_advance_route_moves_simulated_time_and_steps(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    response = await client.post("/_emulator/advance", params={"seconds": "3"})

    assert response.status_code == 200
    assert response.json()["now"] == "2026-01-01T12:00:03Z"
    assert toy.steps == 3
    assert (await client.post("/_emulator/advance", params={"seconds": "soon"})).status_code == 422


async def test_the_state_route_summarises_the_emulator(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.faults = Faults(drift=True)
    state = (await client.get("/_emulator/state")).json()
    assert state == {
        "kind": "toy",
        "seed": 7,
        "now": "2026-01-01T12:00:00Z",
        "speed": 0,
        "steps": 0,
        "faults": "drift",
        "jobs": 3,
    }


async def test_admin_routes_are_never_faulted(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.faults = Faults(unauthorized=True, error_rate=1, malformed=1)

    response = await client.get("/_emulator/state")

    assert response.status_code == 200
    assert response.json()["kind"] == "toy"


# -- every fault switch, in-process ------------------------------------------------------------


async def test_unauthorized_answers_every_request_401_in_the_backends_format(
    toy: ToyEmulator, client: httpx.AsyncClient
) -> None:
    toy.faults = Faults(unauthorized=True)

    response = await client.get("/jobs", headers=AUTH)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == 401


async def test_error_rate_answers_503_in_the_backends_format(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.faults = Faults(error_rate=1)

    response = await client.get("/jobs", headers=AUTH)

    assert response.status_code == 503
    assert response.json()["error"]["code"] == 503


async def test_rate_limit_answers_429_with_retry_after(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.faults = Faults(rate_limit=1, retry_after=7)

    response = await client.get("/jobs", headers=AUTH)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["error"]["code"] == 429


async def test_malformed_answers_200_with_a_body_that_is_not_json(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.faults = Faults(malformed=1)

    response = await client.get("/jobs", headers=AUTH)

    assert response.status_code == 200
    assert response.content == MALFORMED_BODY
    with pytest.raises(ValueError):
        response.json()


async def test_truncated_cuts_the_real_json_body_in_half(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    whole = (await client.get("/jobs", headers=AUTH)).content
    toy.faults = Faults(truncated=1)

    response = await client.get("/jobs", headers=AUTH)

    assert response.content == whole[: len(whole) // 2]
    assert int(response.headers["content-length"]) == len(whole) // 2


async def test_drift_passes_json_bodies_through_the_emulators_drift(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.faults = Faults(drift=True)

    body = (await client.get("/jobs", headers=AUTH)).json()
    jobs = body["jobs"]

    assert body["schema"] == "v99"
    assert {job["state"] for job in jobs} == {"mystery"}
    assert all("optional" not in job for job in jobs)


async def test_drop_log_cuts_a_sized_log_at_half_and_drops_the_connection(
    toy: ToyEmulator, client: httpx.AsyncClient
) -> None:
    toy.faults = Faults(drop_log=True)

    received, error = await read_all(client, "/log")

    assert isinstance(error, httpx.RemoteProtocolError)
    assert received == LOG_TEXT.encode()[: len(LOG_TEXT) // 2]


async def test_drop_log_cuts_an_event_stream_half_way_and_drops_the_connection(
    toy: ToyEmulator, client: httpx.AsyncClient
) -> None:
    toy.faults = Faults(drop_log=True)

    received, error = await read_all(client, "/events")

    assert isinstance(error, httpx.RemoteProtocolError)
    assert received.startswith(EVENTS[0].encode())
    assert len(EVENTS[0]) < len(received) < len("".join(EVENTS))


async def test_drop_log_leaves_json_responses_whole(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.faults = Faults(drop_log=True)
    assert (await client.get("/jobs", headers=AUTH)).json()["jobs"]


async def test_body_faults_leave_head_requests_and_their_headers_alone(
    toy: ToyEmulator, client: httpx.AsyncClient
) -> None:
    whole = (await client.get("/jobs", headers=AUTH)).content
    toy.faults = Faults(malformed=1, truncated=1, drift=True)

    response = await client.head("/jobs", headers=AUTH)

    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(whole)


async def test_drift_leaves_error_bodies_alone(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.faults = Faults(drift=True)
    response = await client.get("/jobs")  # no token: the emulator's own 401
    assert response.json() == {"error": {"message": "missing or wrong token", "code": 401}}


async def test_latency_delays_each_request(toy: ToyEmulator, client: httpx.AsyncClient) -> None:
    toy.faults = Faults(latency=0.05)
    started = time.monotonic()

    await client.get("/jobs", headers=AUTH)

    assert time.monotonic() - started >= 0.05


async def test_which_requests_fail_is_the_same_for_the_same_seed() -> None:
    async def statuses(seed: int) -> list[int]:
        emulator = ToyEmulator(seed=seed, speed=0, faults=Faults(error_rate=0.5))
        async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://toy") as client:
            return [(await client.get("/jobs", headers=AUTH)).status_code for _ in range(12)]

    first = await statuses(11)
    assert first == await statuses(11)
    assert set(first) == {200, 503}


async def test_faults_do_not_change_the_simulation() -> None:
    calm, faulty = ToyEmulator(seed=5, speed=0), ToyEmulator(seed=5, speed=0, faults=Faults(error_rate=0.5))
    async with httpx.AsyncClient(transport=faulty.transport(), base_url="http://toy") as client:
        for _ in range(5):
            faulty.advance(1)
            await client.get("/jobs", headers=AUTH)
    calm.advance(5)
    assert calm.jobs == faulty.jobs


# -- Faults.parse -------------------------------------------------------------------------------


def test_the_faults_spec_sets_every_switch() -> None:
    faults = Faults.parse("latency=0.2,5xx=0.1,429=0.05,401,malformed=0.1,truncated=0.1,drift,drop-log")
    assert faults == Faults(
        latency=0.2,
        error_rate=0.1,
        rate_limit=0.05,
        unauthorized=True,
        malformed=0.1,
        truncated=0.1,
        drift=True,
        drop_log=True,
    )


def test_a_faults_spec_round_trips_through_its_text() -> None:
    faults = Faults(latency=0.5, rate_limit=0.25, retry_after=3, drop_log=True)
    assert Faults.parse(faults.spec()) == faults
    assert Faults.parse("") == Faults() and Faults().spec() == ""


def test_a_fraction_named_without_a_value_always_happens() -> None:
    assert Faults.parse("5xx , malformed") == Faults(error_rate=1, malformed=1)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("latency=0.2,explode", "unknown fault 'explode'"),
        ("5xx=2", "bad fault value '5xx=2'"),
        ("latency=soon", "bad fault value 'latency=soon'"),
        ("drift=maybe", "bad fault value 'drift=maybe'"),
    ],
)
def test_a_bad_faults_spec_names_the_bad_item(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Faults.parse(spec)


# -- over loopback -----------------------------------------------------------------------------


def _server_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("emulator-")]


async def test_running_serves_on_a_free_loopback_port_and_stops_its_thread(toy: ToyEmulator) -> None:
    with running(toy) as url:
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=url) as client:
            response = await client.get("/jobs", headers=AUTH)
        assert response.status_code == 200
        assert _server_threads()
    assert not _server_threads()


async def test_drop_log_over_loopback_drops_the_connection_after_half_the_log(toy: ToyEmulator) -> None:
    toy.faults = Faults(drop_log=True)
    with running(toy) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            received, error = await read_all(client, "/log")
    assert isinstance(error, httpx.RemoteProtocolError)
    assert received == LOG_TEXT.encode()[: len(LOG_TEXT) // 2]


async def test_a_websocket_streams_its_messages_over_loopback(toy: ToyEmulator) -> None:
    with running(toy) as url:
        async with ws_connect(url.replace("http", "ws") + "/ws") as websocket:
            received = [message async for message in websocket]
    assert received == WS_MESSAGES


async def test_drop_log_closes_a_websocket_after_its_first_message(toy: ToyEmulator) -> None:
    toy.faults = Faults(drop_log=True)
    received: list[str | bytes] = []
    with running(toy) as url:
        async with ws_connect(url.replace("http", "ws") + "/ws") as websocket:
            with pytest.raises(ConnectionClosedError) as closed:
                async for message in websocket:
                    received.append(message)
    assert received == WS_MESSAGES[:1]
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011


async def test_unauthorized_refuses_the_websocket_handshake_with_a_401(toy: ToyEmulator) -> None:
    toy.faults = Faults(unauthorized=True)
    with running(toy) as url:
        with pytest.raises(InvalidStatus) as refused:
            async with ws_connect(url.replace("http", "ws") + "/ws"):
                pass
    assert refused.value.response.status_code == 401
    assert b'"code":401' in refused.value.response.body


def test_running_on_a_taken_port_fails_with_oserror(toy: ToyEmulator) -> None:
    taken = bind("127.0.0.1", 0)
    try:
        with pytest.raises(OSError), running(toy, port=taken.getsockname()[1]):
            pass
    finally:
        taken.close()
