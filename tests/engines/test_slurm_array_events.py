"""A Slurm array's own events (a real Slurm, scripts/engines/slurm): submitted, its first task
started, how the whole array ended. They are about no task, so the deck shows them with whichever
task is chosen, not only with the newest; each task's timeline has its own start and end."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "slurm_data"))
from slurm_jobs import environment, poll_until, sbatch  # noqa: E402

from jobdeck.adapters.slurm import SlurmAdapter, SlurmSettings  # noqa: E402
from jobdeck.model import JobRef, JobState  # noqa: E402
from jobdeck.monitor import Monitor  # noqa: E402
from jobdeck.store.memory import MemoryStore  # noqa: E402
from jobdeck.ui.panes.timeline import events_of_run  # noqa: E402

#: Task 0 fails at once; the others succeed a moment later: the array fails as its last task succeeds.
SCRIPT = '[ "$SLURM_ARRAY_TASK_ID" = 0 ] && exit 4; sleep 1; exit 0'


@pytest.fixture(scope="module")
def array(slurm_engine: Any) -> Iterator[tuple[dict[str, str], str]]:
    env = {key: value for key, value in slurm_engine.environ().items() if key != "SLURM_JWT"}
    with environment({"SLURM_CONF": slurm_engine.env["SLURM_CONF"]}):
        yield env, sbatch(env, slurm_engine.env["SLURM_JOBS_DIR"], "-J", "sweep events", "-a", "0-3",
                          "-o", "events-%A_%a.out", script=SCRIPT)


@pytest.fixture
async def monitor(array: tuple[dict[str, str], str], tmp_path: Path) -> AsyncIterator[Monitor]:
    env, array_id = array
    with environment({"SLURM_CONF": env["SLURM_CONF"]}):
        adapter = SlurmAdapter(SlurmSettings(kind="slurm", name="hpc", interval=0.5, accounting_interval=1))
        await adapter.open()
        watching = Monitor([adapter], clock=adapter.clock, store=MemoryStore(tmp_path))

        async def ended() -> Any:
            await watching.poll_once()
            return watching.job(JobRef(backend="hpc", id=array_id))

        await poll_until(ended, lambda job: job is not None and job.state.is_terminal)
        yield watching
        await adapter.close()


async def test_the_array_s_own_events_are_about_no_task(array, monitor):
    _, array_id = array
    events = await monitor.timeline(JobRef(backend="hpc", id=array_id))
    own = [(event.state, event.message) for event in events if event.run is None and not event.observed]
    assert own[0] == (JobState.PENDING, "array submitted: 4 tasks")
    assert own[1][0] is JobState.RUNNING and own[1][1].startswith("array started: ")
    assert own[1][1].endswith(" first, on localhost")
    assert own[-1] == (JobState.FAILED, "array ended: 1 failed, 3 succeeded")
    # Each task's submit is the array's: said once, not once a task.
    assert not [event for event in events if event.message == "submitted"]


async def test_a_chosen_task_shows_the_array_s_events_with_its_own(array, monitor):
    _, array_id = array
    events = await monitor.timeline(JobRef(backend="hpc", id=array_id))
    failed_task = events_of_run(events, (f"{array_id}_0", False))  # not the newest run (task 3 is)
    messages = [event.message for event in failed_task if not event.observed]
    assert messages[0] == "array submitted: 4 tasks" and messages[-1] == "array ended: 1 failed, 3 succeeded"
    assert "exit 4" in messages and "started on localhost" in messages
    assert {event.run for event in failed_task if not event.observed} == {None, f"{array_id}_0"}
    newest = events_of_run(events, (f"{array_id}_3", True))
    assert [event.message for event in newest if event.run is None and not event.observed] == [
        event.message for event in failed_task if event.run is None and not event.observed]
