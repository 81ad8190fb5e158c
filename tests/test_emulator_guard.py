"""The guard every emulator puts around its API's handlers (``Emulator.guarded``):
the backend's own credential check first, then the handler under the emulator's
lock, and errors raised inside answered in the backend's own format."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from toy_emulator import TOKEN, ToyEmulator

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    toy = ToyEmulator(seed=7, speed=0)
    async with httpx.AsyncClient(transport=toy.transport(), base_url="http://toy") as client:
        yield client


async def test_a_request_the_backends_check_refuses_gets_its_answer_and_never_reaches_the_handler(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/trouble/bug")  # the handler would raise: it is never run

    assert response.status_code == 401
    assert response.json() == {"error": {"message": "missing or wrong token", "code": 401}}


async def test_a_request_the_check_lets_through_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/jobs/job-1", headers=AUTH)

    assert response.status_code == 200
    assert response.json()["id"] == "job-1"


async def test_a_refusal_raised_inside_a_handler_is_answered_with_its_response(client: httpx.AsyncClient) -> None:
    response = await client.get("/trouble/refusal", headers=AUTH)

    assert response.status_code == 409
    assert response.json() == {"error": {"message": "refused from inside", "code": 409}}


async def test_an_exception_of_the_backends_code_is_answered_as_the_backend_would(client: httpx.AsyncClient) -> None:
    response = await client.get("/jobs/job-9", headers=AUTH)

    assert response.status_code == 404
    assert response.json() == {"error": {"message": "no job job-9", "code": 404}}


async def test_an_exception_nobody_answers_is_a_500_in_the_backends_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/trouble/oops", headers=AUTH)

    assert response.status_code == 500
    assert response.json() == {"error": {"message": "internal error: RuntimeError", "code": 500}}


async def test_a_handler_runs_holding_the_emulators_lock_so_no_other_thread_moves_the_simulation_meanwhile(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/trouble/lock", headers=AUTH)

    assert response.json() == {"another_thread_took_the_lock": False}
