"""A requeued Slurm job's every run (a real Slurm, scripts/engines/slurm): Slurm runs it again under
the same id and accounting keeps a record per run (sacct -D); jobdeck shows each run, how it
ended (its batch step's word), and when it was requeued, not only the last run."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "slurm_data"))
from slurm_jobs import environment, poll_until, sbatch, slurm  # noqa: E402

from jobdeck.adapters.slurm import SlurmAdapter, SlurmSettings  # noqa: E402
from jobdeck.adapters.slurm.requeues import REQUEUED, SAME_FILE  # noqa: E402
from jobdeck.log_cursor import LogCursor  # noqa: E402
from jobdeck.model import JobRef, JobState  # noqa: E402
from jobdeck.monitor import Monitor  # noqa: E402
from jobdeck.store.memory import MemoryStore  # noqa: E402


def requeue(env: dict[str, str], job_id: str) -> None:
    slurm(env, "scontrol", "requeue", job_id)
    # A requeued job waits about two minutes before it may start again, unless told otherwise;
    # told while its last run is still completing, Slurm sets that wait again once it is pending.
    deadline = time.monotonic() + 60
    while slurm(env, "squeue", "-h", "-j", job_id, "-o", "%T").strip() != "PENDING":
        assert time.monotonic() < deadline, f"job {job_id} did not come back to pending"
        time.sleep(0.2)
    slurm(env, "scontrol", "update", f"JobId={job_id}", "StartTime=now")


async def states(adapter: SlurmAdapter) -> dict[str, Any]:
    return {job.id: job for job in await adapter.list_jobs()}


@pytest.fixture(scope="module")
def requeued(slurm_engine: Any) -> Iterator[dict[str, str]]:
    """A job that failed, was requeued and failed again; a running job the requeue stopped, now
    running again."""
    env = {key: value for key, value in slurm_engine.environ().items() if key != "SLURM_JWT"}
    folder = slurm_engine.env["SLURM_JOBS_DIR"]
    with environment({"SLURM_CONF": slurm_engine.env["SLURM_CONF"]}):
        ids = {
            "failing": sbatch(env, folder, "-J", "twice", "-o", "twice-%j.out",
                              script='echo "run ${SLURM_RESTART_COUNT:-0}"; exit 3'),
            "running": sbatch(env, folder, "-J", "cut short", "-o", "cut-%j.out", "--open-mode=append",
                              script='echo "run ${SLURM_RESTART_COUNT:-0}"; sleep 600'),
        }
        yield {"env": env, **ids}  # type: ignore[dict-item]
        slurm(env, "scancel", ids["running"])


@pytest.fixture
async def adapter(requeued: dict[str, Any]) -> AsyncIterator[SlurmAdapter]:
    with environment({"SLURM_CONF": requeued["env"]["SLURM_CONF"]}):
        slurm_adapter = SlurmAdapter(SlurmSettings(kind="slurm", name="hpc", interval=0.5, accounting_interval=1))
        await slurm_adapter.open()
        yield slurm_adapter
        await slurm_adapter.close()


async def requeued_once(adapter: SlurmAdapter, requeued: dict[str, Any]) -> None:
    """Both jobs requeued once, and each into its second run (done once for the module)."""
    failing, running = requeued["failing"], requeued["running"]
    listed = await states(adapter)
    if listed[failing].labels.get("requeued") == "1":
        return
    await poll_until(lambda: states(adapter), lambda listed: listed[failing].state is JobState.FAILED
                     and listed[running].state is JobState.RUNNING)
    requeue(requeued["env"], failing)
    requeue(requeued["env"], running)
    await poll_until(lambda: states(adapter), lambda listed: listed[failing].labels.get("requeued") == "1"
                     and listed[failing].state is JobState.FAILED and listed[running].state is JobState.RUNNING
                     and listed[running].labels.get("requeued") == "1")


async def test_every_run_of_a_requeued_job_is_a_run_of_its_own_newest_first(requeued, adapter):
    await requeued_once(adapter, requeued)
    fresh = SlurmAdapter(SlurmSettings(kind="slurm", name="hpc"))  # one that never saw the first run
    await fresh.open()
    try:
        job_id = requeued["failing"]
        job = (await states(fresh))[job_id]
        # The second run's own exit is Slurm's to tell: started the instant it was requeued, it
        # sometimes fails before the script runs (exit 1, its batch step cancelled).
        assert (job.state, job.labels["requeued"]) == (JobState.FAILED, "1")
        runs = await fresh.list_runs(job_id)
        assert [run.id for run in runs] == [job_id, f"{job_id} run 1"]
        newest, first = runs
        assert (newest.state, newest.detail["run"]) == (JobState.FAILED, 2)
        assert (first.state, first.raw_state, first.error, first.reason) == (JobState.FAILED, "FAILED", "exit 3", REQUEUED)
        assert first.detail["run"] == 1
        assert first.started is not None and first.ended is not None and first.ended <= newest.started
    finally:
        await fresh.close()


async def test_a_run_the_requeue_stopped_while_it_ran_says_so(requeued, adapter):
    await requeued_once(adapter, requeued)
    job_id = requeued["running"]
    newest, first = await adapter.list_runs(job_id)
    assert (newest.id, newest.state) == (job_id, JobState.RUNNING)
    assert (first.id, first.state, first.raw_state) == (f"{job_id} run 1", JobState.CANCELED, "CANCELLED")
    assert first.error == "stopped by the requeue (killed by SIGTERM)"


async def test_the_timeline_has_each_run_s_start_and_end_and_each_requeue(requeued, adapter):
    await requeued_once(adapter, requeued)
    job_id = requeued["failing"]
    events = await adapter.timeline(job_id)
    said = [(event.state, event.message, event.run) for event in events
            if not event.observed and event.message != "eligible to start"]
    assert said == [
        (JobState.PENDING, "submitted", f"{job_id} run 1"),
        (JobState.RUNNING, "started (run 1) on localhost", f"{job_id} run 1"),
        (JobState.FAILED, "run 1: exit 3", f"{job_id} run 1"),
        (JobState.PENDING, "requeued", None),
        (JobState.RUNNING, "started (run 2, after 1 requeue) on localhost", None),
        (JobState.FAILED, (await adapter.get_job(job_id)).error, None),
    ]


async def test_an_earlier_run_s_log_says_it_shares_the_newest_run_s_file(requeued, adapter):
    await requeued_once(adapter, requeued)
    job_id = requeued["running"]
    earlier = await adapter.read_log(job_id, LogCursor(run=f"{job_id} run 1"))
    assert (earlier.text, earlier.notice, earlier.complete) == ("", SAME_FILE, True)
    newest = await poll_until(lambda: adapter.read_log(job_id), lambda chunk: "run 1\n" in chunk.text)
    assert newest.text.startswith("run 0\n")  # --open-mode=append: both runs' output, in one file
    assert f"JOB {job_id} ON localhost CANCELLED" in newest.text and "DUE TO JOB REQUEUE" in newest.text


async def test_the_deck_s_run_detail_gets_every_run_through_the_monitor(requeued, adapter, tmp_path):
    await requeued_once(adapter, requeued)
    monitor = Monitor([adapter], clock=adapter.clock, store=MemoryStore(tmp_path))
    await monitor.poll_once()
    page = await monitor.runs_page(JobRef(backend="hpc", id=requeued["failing"]))
    assert [run.id for run in page.runs] == [requeued["failing"], f"{requeued['failing']} run 1"]
