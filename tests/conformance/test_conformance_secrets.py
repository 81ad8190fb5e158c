"""No secret ever leaves an adapter: not the credentials its settings name
(their environment variables hold recognisable values here), not those in the
backend's own data (runner tokens, S3 keys, passwords in parameters), in no
job, run, timeline event, log, error, description or log record."""

from __future__ import annotations

import json
import logging

import pytest
from kit import Kit

from jobdeck.errors import AdapterError

#: Jobs whose runs, timeline and log are read (every job is listed).
READ_JOBS = 8


async def test_no_job_run_event_or_log_shows_a_secret(backend: Kit, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    adapter = backend.adapter
    shown = [json.dumps(adapter.describe()), *adapter.warnings()]
    jobs = await adapter.list_jobs()
    shown += [job.model_dump_json() for job in jobs]
    for job in jobs[:READ_JOBS]:
        reads = (adapter.get_job(job.id), adapter.list_runs(job.id), adapter.runs_page(job.id, 0),
                 adapter.timeline(job.id), adapter.read_log(job.id))
        for read in reads:
            try:
                shown.append(json.dumps(await read, default=dump))
            except AdapterError as error:  # a Julep job has no log, say: its words count too
                shown.append(f"{error!s} {error!r}")
    shown.append(caplog.text)
    assert_no_secret(backend, shown)


async def test_no_error_shows_a_secret(backend: Kit, failure: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    job = (await backend.adapter.list_jobs())[0]
    adapter = await backend.fail(failure)
    shown = []
    for read in (adapter.list_jobs(), adapter.get_job(job.id)):
        with pytest.raises(AdapterError) as failed:
            await read
        shown.append(f"{failed.value!s} {failed.value!r}")
    shown.append(caplog.text)
    assert_no_secret(backend, shown)


def dump(value: object) -> object:
    dumped = getattr(value, "model_dump", None)
    if dumped is None:
        raise TypeError(f"cannot show {type(value).__name__}")
    return dumped(mode="json")


def assert_no_secret(backend: Kit, shown: list[str]) -> None:
    assert backend.secrets
    text = "\n".join(shown)
    leaked = [secret for secret in backend.secrets if secret in text]
    assert not leaked, f"{backend.kind} shows {leaked}"
