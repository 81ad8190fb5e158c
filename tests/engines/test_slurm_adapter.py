"""The Slurm adapter (mode "cli") against a real Slurm (scripts/engines/slurm): jobs submitted
once for the module with Slurm's own sbatch, read back and acted on through jobdeck."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "slurm_data"))
from early_jobs import TOO_SLOW, TOO_SLOW_SCRIPT  # noqa: E402
from slurm_jobs import environment, poll_until, sbatch, slurm  # noqa: E402

from jobdeck.adapters.slurm import SlurmAdapter, SlurmSettings  # noqa: E402
from jobdeck.errors import NotFound, Unreachable  # noqa: E402
from jobdeck.log_cursor import LogCursor  # noqa: E402
from jobdeck.model import Job, JobRef, JobState  # noqa: E402
from jobdeck.monitor import Monitor  # noqa: E402
from jobdeck.monitor.events import HealthStatus  # noqa: E402
from jobdeck.store.memory import MemoryStore  # noqa: E402

ARRAY_SCRIPT = 'echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_JOB_ID"; [ "$SLURM_ARRAY_TASK_ID" = 2 ] && exit 2; exit 0'


class Submitted:
    def __init__(self, env: dict[str, str], folder: str, ids: dict[str, str]) -> None:
        self.env = env
        self.folder = folder
        self.ids = ids


@pytest.fixture(scope="module")
def cluster(slurm_engine: Any) -> Iterator[Submitted]:
    # Without SLURM_JWT: with it, Slurm's commands authenticate as the token's user (slurmtest).
    env = {key: value for key, value in slurm_engine.environ().items() if key != "SLURM_JWT"}
    folder = slurm_engine.env["SLURM_JOBS_DIR"]
    with environment({"SLURM_CONF": slurm_engine.env["SLURM_CONF"]}):
        ids = {
            "ok": sbatch(env, folder, "-J", "ok job", "-o", "%x-%j.out", script="echo hello from slurm; echo second line"),
            "bad": sbatch(env, folder, "-J", "bad", "-o", "bad-%j.out", "-e", "bad-%j.err",
                          script="echo about to fail; echo 'it went wrong' >&2; exit 3"),
            "held": sbatch(env, folder, "-J", "held", "--hold", script="echo held then released"),
            "later": sbatch(env, folder, "-J", "later", "--begin=now+3600", script="echo later"),
            "array": sbatch(env, folder, "-J", "sweep", "-a", "0-3", "-o", "sweep-%A_%a.out", script=ARRAY_SCRIPT),
            # Submitted when the session's Slurm started (early_jobs.py), so its minute overlaps other tests.
            "timeout": slurm_engine.early.get("timeout") or sbatch(env, folder, *TOO_SLOW, script=TOO_SLOW_SCRIPT),
            "norequeue": sbatch(env, folder, "-J", "once only", "--no-requeue", script="exit 1"),
            "long": sbatch(env, folder, "-J", "long", "-o", "long-%j.out", script="echo long job; sleep 600"),
        }
        yield Submitted(env, folder, ids)
        slurm(env, "scancel", ids["long"], ids["timeout"], ids["later"], ids["held"])


@pytest.fixture
async def adapter(cluster: Submitted) -> AsyncIterator[SlurmAdapter]:
    with environment({"SLURM_CONF": cluster.env["SLURM_CONF"]}):
        slurm_adapter = SlurmAdapter(SlurmSettings(kind="slurm", name="hpc", interval=0.5, accounting_interval=1))
        await slurm_adapter.open()
        yield slurm_adapter
        await slurm_adapter.close()


def by_id(listed: list[Job]) -> dict[str, Job]:
    return {job.id: job for job in listed}


async def settled(adapter: SlurmAdapter, cluster: Submitted, *roles: str) -> dict[str, Job]:
    """The listing once every job of ``roles`` has ended."""
    wanted = [cluster.ids[role] for role in roles]
    return await poll_until(
        lambda: _listing(adapter),
        lambda listed: all(job_id in listed and listed[job_id].state.is_terminal for job_id in wanted),
    )


async def _listing(adapter: SlurmAdapter) -> dict[str, Job]:
    return by_id(await adapter.list_jobs())


# -- what it shows ----------------------------------------------------------------------------------


async def test_finished_jobs_show_their_state_raw_state_and_decoded_exit_code(cluster, adapter):
    listed = await settled(adapter, cluster, "ok", "bad", "norequeue")
    ok, bad = listed[cluster.ids["ok"]], listed[cluster.ids["bad"]]
    assert (ok.state, ok.raw_state, ok.name) == (JobState.SUCCEEDED, "COMPLETED", "ok job")
    assert ok.error is None and ok.labels["exit"] == "exit 0"
    assert bad.state is JobState.FAILED
    assert bad.raw_state == "FAILED" and bad.labels["reason"] == "NonZeroExitCode"
    assert bad.error == "exit 3"  # squeue's raw wait status 768, decoded
    assert bad.detail["reason_means"] == "the job exited with a non-zero code"
    assert ok.created is not None and ok.started is not None and ok.ended is not None
    assert ok.labels["user"] == os.environ.get("USER", "root") or ok.labels["user"] == "root"


async def test_a_held_job_is_paused_with_slurm_s_reason_explained(cluster, adapter):
    held = (await _listing(adapter))[cluster.ids["held"]]
    assert held.state is JobState.PAUSED
    assert held.raw_state == "PENDING (JobHeldUser)"
    assert held.labels["reason"] == "JobHeldUser"
    assert "held by its user" in held.detail["reason_means"]
    later = (await _listing(adapter))[cluster.ids["later"]]
    assert (later.state, later.raw_state) == (JobState.PENDING, "PENDING (BeginTime)")


async def test_an_array_is_one_job_whose_tasks_are_its_runs_counted_by_state(cluster, adapter):
    array_id = cluster.ids["array"]
    listed = await settled(adapter, cluster, "array")
    array = listed[array_id]
    assert not [job_id for job_id in listed if job_id.startswith(f"{array_id}_")]  # no row per task
    assert array.group is not None and array.group.name == f"{array_id}_[0-3]" and array.group.key == array_id
    assert array.group.counts.by_state == {JobState.SUCCEEDED: 3, JobState.FAILED: 1}
    assert (array.counts.total, array.counts.succeeded, array.counts.failed) == (4, 3, 1)
    assert array.state is JobState.FAILED
    assert array.error == f"1 of 4 tasks did not succeed ({array_id}_2: exit 2)"
    runs = await adapter.list_runs(array_id)
    assert [run.id for run in runs] == [f"{array_id}_{task}" for task in (3, 2, 1, 0)]
    assert [run.state for run in runs] == [JobState.SUCCEEDED, JobState.FAILED, JobState.SUCCEEDED, JobState.SUCCEEDED]


async def test_each_array_task_s_log_is_its_own_file_expanded_from_the_pattern(cluster, adapter):
    array_id = cluster.ids["array"]
    await settled(adapter, cluster, "array")
    chunk = await adapter.read_log(array_id, LogCursor(run=f"{array_id}_2"))
    assert chunk.text == f"task 2 of {array_id}\n"
    assert chunk.complete and chunk.cursor.run == f"{array_id}_2"
    assert Path(cluster.folder, f"sweep-{array_id}_2.out").exists()


async def test_an_array_s_log_without_a_chosen_run_is_its_newest_run_s(cluster, adapter):
    # The deck asks for the newest run's log with no run named; the newest is the run the run
    # list puts first (task 3), though task 3 keeps the array's own job id, the lowest of all.
    array_id = cluster.ids["array"]
    await settled(adapter, cluster, "array")
    newest = (await adapter.list_runs(array_id))[0]
    assert newest.id == f"{array_id}_3"
    chunk = await adapter.read_log(array_id)
    assert chunk.text == f"task 3 of {array_id}\n"


async def test_the_log_is_read_from_stdout_and_stderr_files_and_resumes_from_its_cursor(cluster, adapter):
    await settled(adapter, cluster, "bad")
    job_id = cluster.ids["bad"]
    out = await adapter.read_log(job_id)
    assert (out.text, out.complete) == ("about to fail\n", True)
    assert (await adapter.read_log(job_id, out.cursor)).text == ""
    err = await adapter.read_log(job_id, LogCursor(stream="stderr"))
    assert err.text == "it went wrong\n"
    tail = await adapter.read_log(job_id, LogCursor(position=3, stream="stderr"))
    assert tail.text == "went wrong\n"
    assert err.notice is None and out.notice is None


async def test_stderr_of_a_job_without_its_own_file_is_its_stdout_file_and_says_so(cluster, adapter):
    await settled(adapter, cluster, "ok")
    job_id = cluster.ids["ok"]  # -o only: Slurm writes stderr into the same file
    err = await adapter.read_log(job_id, LogCursor(stream="stderr"))
    assert err.text == "hello from slurm\nsecond line\n"
    path = Path(cluster.folder, f"ok job-{job_id}.out")
    assert err.notice == f"no -e: stderr is written into the stdout file with it ({path})"
    assert (await adapter.read_log(job_id)).notice is None


async def test_a_running_job_s_log_is_followed_live(cluster, adapter):
    job_id = cluster.ids["long"]
    await poll_until(lambda: _listing(adapter), lambda listed: listed[job_id].state is JobState.RUNNING)
    chunk = await poll_until(lambda: adapter.read_log(job_id), lambda chunk: chunk.text)
    assert chunk.text == "long job\n" and not chunk.complete


async def test_a_pending_job_s_log_says_where_it_will_be(cluster, adapter):
    chunk = await adapter.read_log(cluster.ids["later"])
    assert chunk.text == ""
    assert chunk.notice == f"the job has not started; its log will be {cluster.folder}/slurm-{cluster.ids['later']}.out"


async def test_the_timeline_has_slurm_s_times_and_the_end_with_its_exit(cluster, adapter):
    await settled(adapter, cluster, "bad")
    events = await adapter.timeline(cluster.ids["bad"])
    assert [(event.state, event.message) for event in events] == [
        (JobState.PENDING, "submitted"),
        (JobState.RUNNING, "started on localhost"),
        (JobState.FAILED, "exit 3"),
    ]


async def test_a_job_slurm_does_not_know_is_not_found(cluster, adapter):
    with pytest.raises(NotFound):
        await adapter.get_job("999999")
    with pytest.raises(NotFound):
        await adapter.cancel("999999")  # scancel itself says nothing of an unknown id


# -- actions, through the monitor's gate -------------------------------------------------------------


async def test_pause_holds_a_pending_job_and_resume_releases_it(cluster, adapter, tmp_path):
    monitor = Monitor([adapter], clock=adapter.clock, store=MemoryStore(tmp_path))
    await monitor.poll_once()
    ref = JobRef(backend="hpc", id=cluster.ids["later"])
    assert monitor.why_not(ref, "resume") is not None  # pending, not held
    result = await monitor.perform(ref, "pause")
    assert result.ok, result.message
    await monitor.poll_once()
    assert monitor.job(ref).raw_state == "PENDING (JobHeldUser)" and monitor.job(ref).state is JobState.PAUSED
    assert monitor.why_not(ref, "pause") is not None
    result = await monitor.perform(ref, "resume")
    assert result.ok, result.message
    await monitor.poll_once()
    assert monitor.job(ref).state is JobState.PENDING
    result = await monitor.perform(ref, "cancel")
    assert result.ok, result.message
    await monitor.poll_once()
    assert (monitor.job(ref).state, monitor.job(ref).raw_state) == (JobState.CANCELED, "CANCELLED")


async def test_cancel_ends_a_running_job_and_its_log_says_so(cluster, adapter, tmp_path):
    monitor = Monitor([adapter], clock=adapter.clock, store=MemoryStore(tmp_path))
    job_id = cluster.ids["long"]
    await poll_until(lambda: _listing(adapter), lambda listed: listed[job_id].state is JobState.RUNNING)
    await monitor.poll_once()
    ref = JobRef(backend="hpc", id=job_id)
    assert "scancel" in monitor.confirm_text(ref, "cancel")
    result = await monitor.perform(ref, "cancel")
    assert result.ok, result.message
    listed = await poll_until(lambda: _listing(adapter), lambda listed: listed[job_id].state.is_terminal)
    assert listed[job_id].state is JobState.CANCELED
    assert listed[job_id].error.startswith("was cancelled")
    chunk = await poll_until(lambda: adapter.read_log(job_id), lambda chunk: "CANCELLED" in chunk.text)
    assert f"JOB {job_id} ON localhost CANCELLED" in chunk.text


async def test_retry_requeues_a_failed_job_and_it_runs_again(cluster, adapter, tmp_path):
    await settled(adapter, cluster, "bad")
    monitor = Monitor([adapter], clock=adapter.clock, store=MemoryStore(tmp_path))
    await monitor.poll_once()
    ref = JobRef(backend="hpc", id=cluster.ids["bad"])
    result = await monitor.perform(ref, "retry")
    assert result.ok, result.message
    listed = await poll_until(
        lambda: _listing(adapter),
        lambda listed: listed[ref.id].labels.get("requeued") == "1" and listed[ref.id].state.is_terminal,
    )
    again = listed[ref.id]
    assert (again.state, again.error) == (JobState.FAILED, "exit 3")
    events = await adapter.timeline(ref.id)
    assert any("after 1 requeue" in (event.message or "") for event in events)


async def test_retry_explains_why_slurm_refuses(cluster, adapter):
    await settled(adapter, cluster, "norequeue")
    result = await adapter.retry(cluster.ids["norequeue"])
    assert not result.ok
    assert result.message.startswith(f"Slurm would not requeue {cluster.ids['norequeue']}: ")
    assert "--no-requeue" in result.message


# -- faults ---------------------------------------------------------------------------------------------


async def test_without_squeue_on_path_the_backend_is_down_saying_so(cluster, adapter):
    with environment({"PATH": "/nonexistent"}):
        with pytest.raises(Unreachable, match="Slurm's squeue is not on PATH"):
            await adapter.list_jobs()
    assert await adapter.list_jobs()


async def test_a_controller_that_does_not_answer_is_down_naming_slurmctld_after_one_squeue_and_the_deck_recovers(
        cluster, adapter, tmp_path):
    # Slurm's commands try a controller that does not answer for its MessageTimeout (~9 s here)
    # and squeue --json then says only "Failed while looking for jobs": asking the plain squeue
    # for Slurm's words would wait as long again, with H saying "no reply" meanwhile.
    conf = Path(cluster.env["SLURM_CONF"]).read_text()
    dead = tmp_path / "slurm.conf"
    dead.write_text("\n".join(
        "SlurmctldPort=1" if line.startswith("SlurmctldPort=") else line for line in conf.splitlines()) + "\n")
    calls = tmp_path / "squeue-calls"
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "squeue").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {shutil.which("squeue")} "$@"\n')
    (shims / "squeue").chmod(0o755)
    monitor = Monitor([adapter], clock=adapter.clock, store=MemoryStore(tmp_path))
    await monitor.poll_once()
    assert monitor.health()["hpc"].status is HealthStatus.OK
    with environment({"SLURM_CONF": str(dead), "PATH": f"{shims}:{os.environ['PATH']}"}):
        await monitor.poll_once()
        health = monitor.health()["hpc"]
        assert health.status is not HealthStatus.OK
        assert "Slurm cannot be reached: slurmctld did not answer (squeue --json: " in (health.last_error or "")
        assert calls.read_text().splitlines() == ["--json"]
        assert monitor.job(JobRef(backend="hpc", id=cluster.ids["ok"])) is not None  # still in view
    await monitor.refresh("hpc")
    await monitor.poll_once()
    assert monitor.health()["hpc"].status is HealthStatus.OK


async def test_munge_unreachable_is_down_with_slurm_s_own_message(cluster, adapter, tmp_path):
    # The machine's munged is shared (another Slurm may use it): this client is pointed at a
    # socket where no munged listens instead of stopping it.
    conf = Path(cluster.env["SLURM_CONF"]).read_text()
    broken = tmp_path / "slurm.conf"
    broken.write_text(conf + f"AuthInfo=socket={tmp_path}/no-munge.socket\n")
    with environment({"SLURM_CONF": str(broken)}):
        with pytest.raises(Unreachable, match=r"hpc: Slurm cannot be reached: .*Munge encode failed: .*\(Did you start munged\?\)"):
            await adapter.list_jobs()
    assert await adapter.list_jobs()


# -- the slow one last: a time limit is at least a minute ---------------------------------------------


async def test_a_job_past_its_time_limit_is_a_timeout_failure(cluster, adapter):
    listed = await settled(adapter, cluster, "timeout")
    slow = listed[cluster.ids["timeout"]]
    assert slow.state is JobState.FAILED
    assert (slow.raw_state, slow.labels["reason"]) == ("TIMEOUT", "TimeLimit")
    assert slow.error.startswith("reached its time limit")
    shown = json.dumps([job.model_dump(mode="json") for job in listed.values()])
    assert shutil.which("squeue")


async def test_without_accounting_the_queue_is_still_read_and_the_header_says_accounting_is_off(cluster, tmp_path):
    # A client whose slurm.conf says no accounting: sacct answers "accounting storage is disabled".
    conf = Path(cluster.env["SLURM_CONF"]).read_text()
    off = tmp_path / "slurm.conf"
    off.write_text("\n".join(
        "AccountingStorageType=accounting_storage/none" if line.startswith("AccountingStorageType=") else line
        for line in conf.splitlines()) + "\n")
    with environment({"SLURM_CONF": str(off)}):
        adapter = SlurmAdapter(SlurmSettings(kind="slurm", name="hpc"))
        await adapter.open()
        listed = await settled(adapter, cluster, "ok")
        assert listed[cluster.ids["ok"]].state is JobState.SUCCEEDED  # the controller still holds it
        assert "accounting is off (no slurmdbd): finished jobs are kept from what jobdeck saw" in adapter.warnings()
        await adapter.close()
