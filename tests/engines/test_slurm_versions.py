"""Slurm's JSON across releases: 22.05 (OpenAPI v0.0.38, recorded from the test Slurm) and the
shapes of 23.02 (v0.0.39), 23.11 (v0.0.40) and 24.05 (v0.0.41), written from their published
OpenAPI descriptions: ``job_state`` a list, numbers as ``{set, infinite, number}``, the exit code
an object. Each is read to the same jobs; an unknown version is read as far as it can be."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from jobdeck.adapters.slurm.convert import job_from_unit, runs_of, spread, units
from jobdeck.adapters.slurm.fastjson import QueueParser
from jobdeck.adapters.slurm.wire import parse_answer
from jobdeck.model import JobState

VERSIONS = Path(__file__).parent / "slurm_data" / "versions"
NEWER = ("v0.0.39", "v0.0.40", "v0.0.41")


def load(name: str) -> dict:
    return json.loads((VERSIONS / name).read_text())


def jobs_of(data: dict, *, accounting: bool = False) -> dict:
    parsed = parse_answer(data, accounting=accounting)
    return {unit.id: (job_from_unit("hpc", unit), unit) for unit in units(spread(parsed.records))}


@pytest.mark.parametrize("version", NEWER)
def test_the_queue_of_each_newer_version_reads_to_the_same_jobs(version):
    parsed = parse_answer(load(f"squeue-{version}.json"), accounting=False)
    assert parsed.plugin == f"data_parser/{version}" and not parsed.unknown_version and parsed.skipped == 0
    jobs = jobs_of(load(f"squeue-{version}.json"))
    ok, bad, killed = (jobs[key][0] for key in ("101", "102", "103"))
    assert (ok.state, ok.raw_state, ok.error) == (JobState.SUCCEEDED, "COMPLETED", None)
    assert (bad.state, bad.error) == (JobState.FAILED, "exit 3")
    assert (killed.state, killed.error) == (JobState.CANCELED, "was cancelled (killed by SIGTERM)")
    assert ok.started is not None and ok.ended is not None and int(ok.ended.timestamp()) == 1796660005


@pytest.mark.parametrize("version", NEWER)
def test_an_array_s_pending_tasks_are_spread_into_runs_in_every_version(version):
    array, unit = jobs_of(load(f"squeue-{version}.json"))["104"]
    assert array.group.name == "104_[0-3]"
    assert array.group.counts.by_state == {JobState.PENDING: 3, JobState.SUCCEEDED: 1}
    assert [run.id for run in runs_of("hpc", unit)] == ["104_3", "104_2", "104_1", "104_0"]


@pytest.mark.parametrize("version", NEWER)
def test_held_and_requeued_jobs_in_every_version(version):
    jobs = jobs_of(load(f"squeue-{version}.json"))
    held, again = jobs["106"][0], jobs["107"][0]
    assert (held.state, held.raw_state) == (JobState.PAUSED, "PENDING (JobHeldUser)")
    assert again.state is JobState.PENDING and again.labels["requeued"] == "2"
    assert again.ended is None  # end_time {"set": true, "number": 0}: not yet


@pytest.mark.parametrize("version", ("v0.0.38", *NEWER))
def test_accounting_of_every_version_reads_finished_jobs_without_trusting_its_exit_summary(version):
    parsed = parse_answer(load(f"slurmdb-{version}.json"), accounting=True)
    assert parsed.skipped == 0 and parsed.records
    states = {record.state for record in parsed.records}
    assert states <= {"COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "RUNNING", "PENDING"}
    if version == "v0.0.38":
        # 22.05 says SUCCESS 0 for the job that ran `exit 3`: left unknown, never "exit 0".
        bad = next(record for record in parsed.records if record.name == "bad")
        assert bad.state == "FAILED" and bad.exit is None
    else:
        jobs = {job.name: job for job, _ in jobs_of(load(f"slurmdb-{version}.json"), accounting=True).values()}
        assert jobs["old bad"].error == "exit 3"
        assert jobs["old timeout"].error == "reached its time limit (killed by SIGTERM)"
        assert jobs["old sweep"].group.name == "94_[1]"


def test_22_05_s_queue_recorded_from_the_test_slurm_reads_as_before():
    jobs = jobs_of(load("squeue-v0.0.38.json"))
    assert jobs["2"][0].error == "exit 3"  # raw wait status 768
    assert jobs["6"][0].state is JobState.CANCELED
    assert jobs["4"][0].group.counts.by_state == {JobState.PENDING: 3, JobState.SUCCEEDED: 2}


def test_the_quick_reading_of_a_queue_equals_the_whole_decoding_and_reuses_unchanged_jobs():
    raw = (VERSIONS / "squeue-v0.0.38.json").read_bytes()
    parser = QueueParser()
    first = parser.parse(raw)
    assert first.records == parse_answer(json.loads(raw), accounting=False).records
    again = parser.parse(raw)
    assert all(a is b for a, b in zip(first.records, again.records, strict=True))
    compact = json.dumps(json.loads(raw)).encode()  # laid out otherwise: decoded whole, same result
    assert QueueParser().parse(compact).records == first.records


def test_an_unknown_version_is_read_as_far_as_it_can_be_and_says_what_could_not():
    data = copy.deepcopy(load("squeue-v0.0.41.json"))
    data["meta"]["plugin"]["data_parser"] = "data_parser/v0.0.44"
    data["jobs"][0]["job_state"] = {"current": "COMPLETED"}  # a shape never seen: that field is empty
    del data["jobs"][1]["job_id"]  # no id at all: that job is skipped, and counted
    parsed = parse_answer(data, accounting=False)
    assert parsed.unknown_version
    assert (parsed.skipped, parsed.why_skipped) == (1, "a job has no job_id")
    jobs = jobs_of(data)
    assert jobs["101"][0].state is JobState.UNKNOWN and jobs["101"][0].name == "ok"
    assert jobs["103"][0].error == "was cancelled (killed by SIGTERM)"


def test_a_pending_job_has_not_started_though_squeue_says_when_it_expects_to_start_it():
    recorded = json.loads((Path(__file__).parent / "slurm_data" / "recorded" / "squeue.json").read_text())
    waiting = next(job for job in recorded["jobs"] if job["name"] == "weekly-cleanup")
    assert waiting["job_state"] == "PENDING" and waiting["start_time"] > waiting["submit_time"]  # --begin=now+7200
    jobs = jobs_of(recorded)
    later = jobs[str(waiting["job_id"])][0]
    assert (later.state, later.raw_state, later.started) == (JobState.PENDING, "PENDING (BeginTime)", None)
    running = next(job for job, _ in jobs.values() if job.name == "train-model")
    assert running.started is not None
