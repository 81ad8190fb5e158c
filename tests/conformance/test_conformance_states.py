"""Every adapter maps each raw state its backend can produce, and keeps it;
a raw state it does not know is ``unknown``, never an error."""

from __future__ import annotations

from kit import UNKNOWN_RAW_STATE, Kit, expected_states

from jobdeck.model import Job, JobState


async def test_every_raw_state_maps_and_is_kept(backend: Kit) -> None:
    wrong: list[str] = []
    for raw, expected in backend.raw_states.items():
        backend.poison_states(raw)
        backend.adapter.forget_cached()
        jobs = await backend.adapter.list_jobs()
        showing = [job for job in jobs if job.raw_state == raw]
        if not showing:
            wrong.append(f"{raw}: no job kept it (raw states shown: {sorted({str(j.raw_state) for j in jobs})})")
        wrong += [f"{raw}: {job.id} is {job.state.value}, not {'/'.join(expected_states(expected))}"
                  for job in showing if job.state not in expected_states(expected)]
    assert not wrong, "\n".join(wrong)


async def test_an_unknown_raw_state_becomes_unknown(backend: Kit) -> None:
    backend.poison_states(UNKNOWN_RAW_STATE)
    jobs = await backend.adapter.list_jobs()
    assert jobs
    assert {(job.state, job.raw_state) for job in jobs} == {(JobState.UNKNOWN, UNKNOWN_RAW_STATE)}


async def test_a_job_in_an_unknown_raw_state_can_still_be_read(backend: Kit) -> None:
    backend.poison_states(UNKNOWN_RAW_STATE)
    job = (await backend.adapter.list_jobs())[0]
    fetched = await backend.adapter.get_job(job.id)
    assert (fetched.state, fetched.raw_state) == (JobState.UNKNOWN, UNKNOWN_RAW_STATE)
    for run in await backend.adapter.list_runs(job.id):
        assert run.state is JobState.UNKNOWN or run.raw_state != UNKNOWN_RAW_STATE
    await backend.adapter.timeline(job.id)


async def test_schema_drift_gives_unknown_states_never_an_error(backend: Kit) -> None:
    backend.drift()
    jobs = await backend.adapter.list_jobs()
    drifted = [job for job in jobs if job.raw_state in backend.drifted_raw_states]
    assert drifted, f"no drifted raw state among {sorted({str(job.raw_state) for job in jobs})}"
    assert all(job.state is JobState.UNKNOWN for job in drifted), states_of(drifted)


def states_of(jobs: list[Job]) -> dict[str, str]:
    return {job.id: f"{job.raw_state} → {job.state.value}" for job in jobs}
