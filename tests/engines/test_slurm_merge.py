"""The queue and accounting merged (recorded 22.05 answers of the test Slurm): a job that leaves
the queue stays, as accounting or the last sighting tells it, and the queue's exit code wins over
accounting's misleading summary."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from jobdeck.adapters.slurm.merge import Merged
from jobdeck.adapters.slurm.wire import parse_answer

VERSIONS = Path(__file__).parent / "slurm_data" / "versions"


def recorded(name: str, *, accounting: bool):
    return parse_answer(json.loads((VERSIONS / name).read_text()), accounting=accounting).records


def test_a_job_that_leaves_the_queue_is_kept_as_last_seen():
    queue = recorded("squeue-v0.0.38.json", accounting=False)
    merged = Merged()
    merged.take_queue(queue)
    left = merged.take_queue([record for record in queue if record.job_id != 2])
    assert left == {"2"}
    kept = {record.task_key: record for record in merged.records()}
    assert kept["2"].state == "FAILED" and kept["2"].exit.code == 3


def test_accounting_fills_in_finished_jobs_and_the_queue_s_exit_code_beats_its_summary():
    queue = recorded("squeue-v0.0.38.json", accounting=False)
    accounting = recorded("slurmdb-v0.0.38.json", accounting=True)
    merged = Merged()
    merged.take_queue(queue)
    merged.take_queue([])  # the controller forgot them all
    merged.take_accounting(accounting)
    by_key = {record.task_key: record for record in merged.records()}
    bad = by_key["2"]
    assert bad.source == "accounting" and bad.state == "FAILED"
    assert bad.exit.code == 3  # accounting's JSON says SUCCESS 0; the queue's 768 was kept
    assert by_key["4_3"].state == "FAILED"  # an array task the queue had not finished yet
    assert "4" not in by_key  # accounting's pending-tasks record is the queue's to tell


def test_jobs_past_the_history_window_are_dropped():
    merged = Merged()
    merged.take_accounting(recorded("slurmdb-v0.0.38.json", accounting=True))
    newest = max(record.end or 0 for record in merged.records())
    merged.take_accounting([replace(record, end=newest + 100) for record in merged.records()][:1])
    merged.prune(newest + 1)
    assert len(merged.records()) == 1
