"""A running task whose worker came back (or never left) and runs nothing is lost, not running
for ever: Celery never says how such a task ended (a worker killed mid-task and started again
under the same name, as a service manager does, forgets what it ran)."""

from __future__ import annotations

from jobdeck.adapters.celery.convert import (
    LOST_MARGIN_S,
    Converter,
    group_of,
    idle_workers,
    lost_note,
    lost_on_idle,
    worker_name,
)
from jobdeck.adapters.celery.wire import TASK, WorkerInfo
from jobdeck.model import JobState
from jobdeck.redact import SecretScrubber

STARTED = 1_796_674_320.0
W1 = "w1@localhost"


def test_an_online_worker_that_runs_nothing_is_idle_by_the_heartbeat_that_said_so() -> None:
    workers = [WorkerInfo(name=W1, online=True, active=0, beat_at=STARTED + 30),
               WorkerInfo(name="busy@h", online=True, active=1, beat_at=STARTED + 30),
               WorkerInfo(name="gone@h", online=False, active=0, beat_at=STARTED + 30),
               WorkerInfo(name="quiet@h", online=True, active=0)]

    assert idle_workers(workers) == {W1: STARTED + 30}


def test_a_task_that_started_before_its_idle_workers_heartbeat_is_lost() -> None:
    idle = {W1: STARTED + 30}

    assert lost_on_idle(W1, STARTED, idle)
    assert not lost_on_idle(W1, STARTED + 30 - LOST_MARGIN_S / 2, idle)  # started about as it beat: not yet counted
    assert not lost_on_idle("w2@localhost", STARTED, idle)
    assert not lost_on_idle(W1, None, idle) and not lost_on_idle(W1, "yesterday", idle) and not lost_on_idle(None, STARTED, idle)


def test_a_lost_task_is_unknown_with_a_note_and_only_a_running_one_is() -> None:
    convert = Converter("tasks", SecretScrubber([]))
    running = TASK.validate_python({"uuid": "t1", "name": "tasks.sleep", "state": "STARTED", "worker": W1,
                                    "sent": STARTED, "started": STARTED})
    done = running.model_copy(update={"state": "SUCCESS", "succeeded": STARTED + 1})

    note = lost_note("STARTED", W1, STARTED, {}, {W1: STARTED + 30})
    lost = convert.job(running, None, lost=note)

    assert (lost.state, lost.raw_state) == (JobState.UNKNOWN, "STARTED")
    assert lost.error is not None and lost.error.startswith(f"its worker {W1} runs no task since this one started")
    assert convert.job(running, None).state is JobState.RUNNING
    assert convert.job(done, None, lost=note).state is JobState.SUCCEEDED


def test_one_rule_tells_a_lost_task_an_offline_worker_first_and_only_a_started_one() -> None:
    idle, offline = {W1: STARTED + 30}, {W1: True, "w2@h": False}

    assert lost_note("STARTED", W1, STARTED, offline, idle) == (
        f"its worker {W1} is offline: the task was lost unless the worker comes back")
    assert (lost_note("STARTED", W1, STARTED, {}, idle) or "").startswith(f"its worker {W1} runs no task")
    assert lost_note("STARTED", "w2@h", STARTED, offline, idle) is None  # online and busy, or not heard of
    assert lost_note("SUCCESS", W1, STARTED, offline, idle) is None
    assert lost_note("RECEIVED", W1, STARTED, offline, idle) is None  # queued on it: not started there
    assert lost_note("STARTED", "", STARTED, offline, idle) is None and lost_note("STARTED", None, STARTED, offline, idle) is None


def test_a_lost_task_counts_as_unknown_in_its_names_group_as_its_row_shows_it() -> None:
    raw = [{"name": "tasks.sleep", "state": "STARTED", "worker": W1, "sent": STARTED, "started": STARTED},
           {"name": "tasks.sleep", "state": "STARTED", "worker": {"hostname": "w2@localhost"}, "sent": STARTED + 1,
            "started": STARTED + 1}]

    lost = [lost_note(task["state"], worker_name(task), task["started"], {}, {W1: STARTED + 30}) is not None
            for task in raw]

    group = group_of(raw, lost=lost)["tasks.sleep"]

    assert group.recent == (JobState.UNKNOWN, JobState.RUNNING)
    assert group.counts is not None and group.counts.count(JobState.UNKNOWN) == 1
    assert worker_name(raw[1]) == "w2@localhost" and worker_name({"worker": 7}) == ""
