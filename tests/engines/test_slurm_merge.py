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


#: Text sacct -D of the test Slurm (22.05): job 1 failed, was requeued twice and failed again;
#: array task 4_1 was requeued once; 4_0 ran once. (Fields as cli_source.SACCT_FIELDS.)
REQUEUED_RUNS = [
    "1|1|REQUEUED|3:0|None|1796694959|1796694959|1796694961|1796694963|root|debug|localhost|/jobs|rq",
    "1|1|REQUEUED|3:0|None|1796694963|1796694963|1796694964|1796694968|root|debug|localhost|/jobs|rq",
    "1|1|FAILED|3:0|None|1796694968|1796694968|1796694969|1796694969|root|debug|localhost|/jobs|rq",
    "4_0|5|COMPLETED|0:0|None|1796695007|1796695009|1796695009|1796695009|root|debug|localhost|/jobs|arr",
    "4_1|6|REQUEUED|1:0|None|1796695007|1796695009|1796695009|1796695012|root|debug|localhost|/jobs|arr",
    "4_1|6|FAILED|1:0|None|1796695012|1796695012|1796695012|1796695012|root|debug|localhost|/jobs|arr",
]


def test_a_requeued_job_is_its_newest_run_and_keeps_its_earlier_ones_apart():
    from jobdeck.adapters.slurm.cli_source import DELIMITER, sacct_line

    merged = Merged()
    merged.take_accounting([sacct_line(line.replace("|", DELIMITER)) for line in REQUEUED_RUNS])
    by_key = {record.task_key: record for record in merged.records()}
    assert sorted(by_key) == ["1", "4_0", "4_1"]  # one record a job (a task), its newest run
    assert (by_key["1"].state, by_key["1"].submit, by_key["1"].restarts) == ("FAILED", 1796694968, 2)
    assert [run.submit for run in merged.earlier_runs(by_key["1"])] == [1796694959, 1796694963]
    assert [run.state for run in merged.earlier_runs(by_key["4_1"])] == ["REQUEUED"]
    assert merged.earlier_runs(by_key["4_0"]) == () and not by_key["4_0"].restarts
    merged.prune(1796694970 + 1)  # job 1 ended before: it goes, and its earlier runs with it
    assert "1" not in {record.task_key for record in merged.records()}
    assert merged.earlier_runs(by_key["1"]) == ()
