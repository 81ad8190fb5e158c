"""A run's log is read only when it is a regular file inside the spool: a link out of
the spool (to /etc/passwd, say) is refused with a sentence, by the adapter, the
monitor, the deck's log pane and ``jobdeck logs`` alike."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import invoke

from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.clock import FrozenClock
from jobdeck.errors import AdapterError
from jobdeck.local.records import RunEvent
from jobdeck.local.spool import Spool
from jobdeck.model import JobRef, JobState
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore

SECRET = b"root:x:0:0:the secret:/root:/bin/sh\n"


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "spool"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    path = outside / "passwd"
    path.write_bytes(SECRET)
    return path


@pytest.fixture
def adapter(spool: Path) -> LocalAdapter:
    return LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())


def finished_job(spool: Path) -> tuple[str, Path]:
    """A job whose run 1 has ended; returns its id and its run folder (with no log yet)."""
    store = Spool(spool)
    spec = store.create_job(argv=["true"], name="linked", cwd="/", clock=FrozenClock())
    _, run_folder = store.create_run(store.live_folder(spec.id))
    store.append_event(
        run_folder,
        RunEvent(at=FrozenClock().now(), state=JobState.SUCCEEDED, raw_state="exited", exit_code=0),
    )
    return spec.id, run_folder


def refused(job_id: str) -> str:
    return f"the log of {job_id} points outside the spool; not read"


# -- the adapter -------------------------------------------------------------------------


async def test_a_log_that_links_out_of_the_spool_is_refused_not_read(
    adapter: LocalAdapter, spool: Path, secret: Path
) -> None:
    job_id, run_folder = finished_job(spool)
    (run_folder / "log").symlink_to(secret)

    with pytest.raises(AdapterError) as error:
        await adapter.read_log(job_id)
    assert str(error.value) == refused(job_id)
    assert error.value.transient is False
    with pytest.raises(AdapterError, match="points outside the spool"):
        await adapter.log_tail_offset(job_id, 10)


async def test_a_run_folder_that_links_out_of_the_spool_is_refused_too(
    adapter: LocalAdapter, spool: Path, secret: Path
) -> None:
    job_id, run_folder = finished_job(spool)
    (secret.parent / "events.jsonl").write_bytes((run_folder / "events.jsonl").read_bytes())
    (secret.parent / "log").symlink_to(secret.name)  # a link inside the outside folder
    run_folder.rename(spool / "moved-away")
    run_folder.symlink_to(secret.parent)

    with pytest.raises(AdapterError, match="points outside the spool"):
        await adapter.read_log(job_id)


async def test_a_link_that_stays_inside_the_spool_is_followed(adapter: LocalAdapter, spool: Path) -> None:
    job_id, run_folder = finished_job(spool)
    (spool / "shared.log").write_bytes(b"kept inside\n")
    (run_folder / "log").symlink_to(os.path.relpath(spool / "shared.log", run_folder))

    assert (await adapter.read_log(job_id)).text == "kept inside\n"


async def test_a_spool_reached_through_a_link_reads_its_logs(tmp_path: Path, spool: Path) -> None:
    job_id, run_folder = finished_job(spool)
    (run_folder / "log").write_bytes(b"hello\n")
    link = tmp_path / "spool-link"
    link.symlink_to(spool)
    through_link = LocalAdapter(LocalSettings(spool=link), clock=FrozenClock())

    assert (await through_link.read_log(job_id)).text == "hello\n"
    assert await through_link.log_tail_offset(job_id, 1) == 0


async def test_a_log_that_is_a_fifo_is_refused_without_waiting_for_a_writer(
    adapter: LocalAdapter, spool: Path
) -> None:
    job_id, run_folder = finished_job(spool)
    os.mkfifo(run_folder / "log")

    with pytest.raises(AdapterError, match=f"the log of {job_id} is not a regular file; not read"):
        await adapter.read_log(job_id)


# -- the monitor (the deck's log pane) and the command line ------------------------------


async def test_following_a_log_that_links_out_ends_with_the_refusal_and_no_text(
    tmp_path: Path, adapter: LocalAdapter, spool: Path, secret: Path
) -> None:
    job_id, run_folder = finished_job(spool)
    (run_folder / "log").symlink_to(secret)
    monitor = Monitor([adapter], clock=FrozenClock(), store=MemoryStore(tmp_path))
    await monitor.poll_once()
    ref = JobRef(backend=adapter.name, id=job_id)

    assert await monitor.log_tail_offset(ref, 100) == 0
    chunks = [chunk async for chunk in monitor.follow_log(ref)]
    assert [chunk.text for chunk in chunks] == [""]
    assert chunks[-1].notice is not None and refused(job_id) in chunks[-1].notice
    await monitor.stop()


def test_jobdeck_logs_refuses_a_log_that_links_out_of_the_spool(
    tmp_path: Path, spool: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(spool.parent))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    job_id, run_folder = finished_job(spool)
    (run_folder / "log").symlink_to(secret)

    result = invoke("logs", f"local/{job_id}")

    assert result.exit_code == 1
    assert refused(job_id) in result.stderr
    assert b"secret" not in result.stdout_bytes + result.stderr_bytes
    assert "Traceback" not in result.output
