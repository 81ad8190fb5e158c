"""A backend's failures reach the monitor as ``AdapterError`` kinds, never as
anything else: rejected credentials are an auth failure, a server error or a
timeout leaves the backend unreachable, an unknown job is not found."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from kit import Kit

from jobdeck.adapters.base import Adapter
from jobdeck.errors import NotFound, Unsupported

Read = Callable[[Adapter, str], Awaitable[object]]

#: What the deck asks about one job.
READS: dict[str, Read] = {
    "get_job": lambda adapter, job_id: adapter.get_job(job_id),
    "list_runs": lambda adapter, job_id: adapter.list_runs(job_id),
    "timeline": lambda adapter, job_id: adapter.timeline(job_id),
    "read_log": lambda adapter, job_id: adapter.read_log(job_id),
}


async def test_a_backend_failure_is_its_adapter_error_kind_for_every_read(backend: Kit, failure: str) -> None:
    expected = backend.failures[failure]
    job_id = await job_read_from_the_backend(backend)
    adapter = await backend.fail(failure)
    with pytest.raises(expected) as failed:
        await adapter.list_jobs()
    assert str(failed.value)
    # A timeout costs real time: the poll and one job's fetch show it is mapped.
    reads = ["get_job"] if failure == "timeout" else list(READS)
    for read in reads:
        with pytest.raises(expected):
            await READS[read](adapter, job_id)


async def test_an_unknown_job_is_not_found(backend: Kit) -> None:
    for read, call in READS.items():
        with pytest.raises(NotFound) as missing:
            await call(backend.adapter, backend.unknown_job_id)
        assert str(missing.value), read


async def job_read_from_the_backend(backend: Kit) -> str:
    """A job whose every read asks the backend: it has a log and a timeline (not a Julep
    job, say, which has no log and whose timeline jobdeck records)."""
    for job in await backend.adapter.list_jobs():
        try:
            await backend.adapter.read_log(job.id)
        except Unsupported:
            continue
        if await backend.adapter.timeline(job.id):
            return job.id
    raise AssertionError(f"no {backend.kind} job has both a log and a timeline")
