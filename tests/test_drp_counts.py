"""DRP counts that cannot be had: the job's counts are unknown (or the last known), the listing stands."""

from __future__ import annotations

import httpx
import pytest
from fakes import InstantClock
from test_drp_adapter import ENV, settings

from jobdeck.adapters.drp import DrpAdapter
from jobdeck.emulators.drp import DrpEmulator
from jobdeck.emulators.faults import Faults
from jobdeck.errors import AuthFailed


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def emulator() -> DrpEmulator:
    return DrpEmulator(seed=3, speed=0, history=300)


class FailingCounts(httpx.AsyncBaseTransport):
    """The emulator, but count requests (HEAD /jobs) get ``status`` while it is set; with ``params``,
    only the one with exactly those parameters, and it loses its X-DRP-LIST-COUNT header instead."""

    def __init__(self, inner: httpx.AsyncBaseTransport, params: dict[str, str] | None = None) -> None:
        self.inner = inner
        self.params = params
        self.status: int | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "HEAD" or not request.url.path.endswith("/jobs"):
            return response
        if self.params is not None:
            if dict(request.url.params) == self.params:
                del response.headers["X-DRP-LIST-COUNT"]
            return response
        if self.status is not None:
            return httpx.Response(self.status, json={"Error": "injected", "Model": "jobs"}, request=request)
        return response


def adapter(emulator: DrpEmulator, transport: httpx.AsyncBaseTransport | None = None) -> DrpAdapter:
    return DrpAdapter(settings(), clock=InstantClock(emulator.clock), transport=transport or emulator.transport())


async def test_the_listing_stands_with_unknown_counts_when_every_count_request_fails(emulator):
    transport = FailingCounts(emulator.transport())
    transport.status = 503
    drp = adapter(emulator, transport)
    await drp.open()
    jobs = await drp.list_jobs()
    assert len(jobs) == len(emulator.world.jobs)
    assert all(job.counts is None for job in jobs)
    # The backend answers again: the counts missed are asked at the next poll.
    transport.status = None
    jobs = await drp.list_jobs()
    assert all(job.counts is not None for job in jobs if job.labels.get("machine"))
    await drp.close()


async def test_a_failed_count_keeps_the_last_known_counts(emulator):
    transport = FailingCounts(emulator.transport())
    drp = adapter(emulator, transport)
    await drp.open()
    before = {job.id: job.counts for job in await drp.list_jobs()}
    assert any(counts is not None for counts in before.values())
    transport.status = 503
    drp.forget_cached()  # a full listing: every job's counts are asked again, and fail
    after = {job.id: job.counts for job in await drp.list_jobs()}
    assert after == before
    await drp.close()


async def test_one_count_without_its_header_leaves_only_that_key_uncounted(emulator):
    good = adapter(emulator)
    await good.open()
    await good.list_jobs()
    keys = list(good._counts)
    await good.close()
    (index, value) = keys[2]
    drp = adapter(emulator, FailingCounts(emulator.transport(), {index: value, "State": "finished"}))
    await drp.open()
    await drp.list_jobs()
    assert drp._counts == {key: counts for key, counts in good._counts.items() if key != (index, value)}
    await drp.close()


async def test_a_refused_login_on_a_count_still_fails_the_backend(emulator):
    transport = FailingCounts(emulator.transport())
    transport.status = 401
    drp = adapter(emulator, transport)
    await drp.open()
    with pytest.raises(AuthFailed):
        await drp.list_jobs()
    await drp.close()


async def test_a_drp_failing_a_third_of_its_requests_still_lists_every_job(emulator):
    # The fault switch is seeded by the emulator's seed: the same requests fail every run.
    emulator.faults = Faults(error_rate=0.3)
    drp = adapter(emulator)
    await drp.open()
    jobs = await drp.list_jobs()
    assert len(jobs) == len(emulator.world.jobs)
    assert any(job.counts is None for job in jobs) and any(job.counts is not None for job in jobs)
    await drp.close()
