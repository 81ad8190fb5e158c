"""A Celery task's backend fields in the run detail: Celery's times (epoch seconds) read as
times, an odd one Flower sends stays as it came and never breaks the task's detail."""

from __future__ import annotations

from jobdeck.adapters.celery.convert import Converter
from jobdeck.adapters.celery.wire import TASK
from jobdeck.redact import SecretScrubber

SENT = 1_796_674_320.6025438  # 2026-12-07 20:12:00.602 UTC


def detail(**fields: object) -> dict[str, object]:
    task = TASK.validate_python({"uuid": "905752fb", "name": "tasks.flaky", "state": "FAILURE", **fields})
    return Converter("tasks", SecretScrubber([])).job(task, None, {}).detail


def test_the_times_of_a_task_are_iso_times_not_epoch_seconds() -> None:
    shown = detail(sent=SENT, received=SENT + 0.5, started=SENT + 1, failed=SENT + 2, timestamp=SENT + 2)

    assert shown["sent"] == "2026-12-07T20:12:00.602+00:00"
    assert shown["received"] == "2026-12-07T20:12:01.102+00:00"
    assert shown["failed"] == shown["timestamp"] == "2026-12-07T20:12:02.602+00:00"


def test_a_time_no_calendar_holds_stays_as_flower_sent_it() -> None:
    assert detail(sent=1e300, retried=float("inf"))["sent"] == 1e300


def test_the_other_numbers_stay_numbers() -> None:
    shown = detail(sent=SENT, runtime=0.25, retries=2)

    assert (shown["runtime"], shown["retries"]) == (0.25, 2)


def test_a_task_with_a_time_no_calendar_holds_is_still_a_job_with_its_timeline_and_log() -> None:
    task = TASK.validate_python({"uuid": "905752fb", "name": "tasks.ok", "state": "SUCCESS", "sent": 1e300,
                                 "received": SENT, "succeeded": float("inf"), "result": "42"})
    convert = Converter("tasks", SecretScrubber([]))

    job = convert.job(task, None)

    assert job.created is not None and job.created.isoformat(timespec="seconds") == "2026-12-07T20:12:00+00:00"
    assert job.ended is None
    assert [event.message for event in convert.timeline(task)] == ["sent", "received", "succeeded"]
    assert convert.log_text(task).splitlines() == [
        "--:--:-- sent", "20:12:00 received", "--:--:-- succeeded", "result: 42"]


def test_a_task_never_starts_before_it_was_created_when_the_senders_clock_is_a_little_ahead() -> None:
    task = TASK.validate_python({"uuid": "208d2dae", "name": "tasks.ok", "state": "SUCCESS", "sent": SENT + 0.0008,
                                 "received": SENT + 0.0005, "started": SENT, "succeeded": SENT + 0.02})

    job = Converter("tasks", SecretScrubber([])).job(task, None, {})

    assert job.created == job.started and job.started is not None and job.ended is not None
    assert job.started < job.ended


def test_the_workers_note_counts_the_tasks_it_knows_and_says_how_many_workers_it_could_not():
    from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
    from jobdeck.adapters.celery.wire import WorkerInfo

    adapter = CeleryAdapter(CelerySettings(name="tasks", flower_url="http://127.0.0.1:5555"))
    adapter._workers = [WorkerInfo(name="w1", online=True, active=2), WorkerInfo(name="w2", online=True, active=None),
                        WorkerInfo(name="w3", online=True, active=1)]
    assert adapter.notes() == ("3 workers online, 3 active tasks (1 worker not counted)",)
    adapter._workers = [WorkerInfo(name="w2", online=True, active=None)]
    assert adapter.notes() == ("1 worker online",)
