"""Actions on a spool's jobs: cancel, retry, archive, restore.

Plain blocking functions (the adapter runs them in a thread). They return an
``Outcome`` in words for the user; a refusal is an outcome, not an error.
``JobNotFound`` and ``OSError`` are the only exceptions they let through.
"""

from __future__ import annotations

import errno
import os
import shlex
import signal
from collections.abc import Callable
from dataclasses import dataclass

from jobdeck.clock import Clock
from jobdeck.local import procs
from jobdeck.local.records import (
    ACTOR_JOBDECK,
    RAW_CANCEL_REQUESTED,
    RAW_CANCELED,
    RAW_CANNOT_START,
    RAW_RETRY_REQUESTED,
    RunEvent,
)
from jobdeck.local.spool import JobNotFound, JobRecord, Spool
from jobdeck.model import JobState

#: Starts a detached runner for ``args`` and returns its pid (``runner.spawn_detached``).
Spawner = Callable[[list[str]], int]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def display_name(record: JobRecord) -> str:
    """How a job is named to the user: its name, else its command, else its id."""
    if record.spec is None:
        return record.id
    return record.spec.name or short_command(record.spec.argv)


def short_command(argv: list[str], width: int = 60) -> str:
    text = shlex.join(argv)
    return text if len(text) <= width else text[: width - 1] + "…"


def read(store: Spool, job_id: str) -> JobRecord:
    try:
        folder, archived = store.locate(job_id)
    except JobNotFound:
        if not store.root.is_dir():  # no job is there because no spool is: it is unreachable
            raise FileNotFoundError(errno.ENOENT, "no such folder", str(store.root)) from None
        raise
    return store.read_job(folder, archived=archived)


def archive(store: Spool, job_id: str) -> Outcome:
    record = read(store, job_id)
    name = display_name(record)
    if record.archived:
        return Outcome(False, f"{name} is already archived")
    if record.state.is_active:
        return Outcome(False, "the job is still running")
    try:
        store.archive(job_id)
    except FileExistsError:
        return Outcome(False, f"cannot archive {name}: the archive already holds a job {job_id}")
    return Outcome(True, f"archived {name}")


def restore(store: Spool, job_id: str) -> Outcome:
    record = read(store, job_id)
    name = display_name(record)
    if not record.archived:
        return Outcome(False, f"{name} is not archived")
    try:
        store.restore(job_id)
    except FileExistsError:
        return Outcome(False, f"cannot restore {name}: the spool already holds a job {job_id}")
    return Outcome(True, f"restored {name}")


def retry(store: Spool, job_id: str, *, spawn: Spawner, clock: Clock) -> Outcome:
    """Prepare the job's next run and start a detached runner that claims it."""
    record = read(store, job_id)
    name = display_name(record)
    if record.archived:
        return Outcome(False, "the job is archived; restore it first")
    if record.spec is None:
        return Outcome(False, f"cannot retry {name}: {'; '.join(record.problems)}")
    if record.state.is_active:
        return Outcome(False, f"the job is still {record.state.value}")
    number, run_folder = store.create_run(record.folder)

    def note(state: JobState, raw: str, message: str, runner_pid: int | None = None) -> None:
        event = RunEvent(
            at=clock.now(),
            state=state,
            raw_state=raw,
            message=message,
            actor=ACTOR_JOBDECK,
            runner_pid=runner_pid,
            runner_start=procs.start_ticks(runner_pid) if runner_pid else None,
        )
        store.append_event(run_folder, event)

    note(JobState.PENDING, RAW_RETRY_REQUESTED, "retry requested from jobdeck")
    args = ["run", "--rerun", job_id, "--spool", str(store.root)]
    try:
        pid = spawn(args)
    except OSError as exc:
        note(JobState.FAILED, RAW_CANNOT_START, f"could not start the runner: {exc}")
        return Outcome(False, f"could not start a runner for {name}: {exc}")
    # Naming the runner lets a reader tell when it died before taking the run.
    note(JobState.PENDING, RAW_RETRY_REQUESTED, f"runner started (pid {pid})", runner_pid=pid)
    return Outcome(True, f"started run #{number} of {name}")


def cancel(store: Spool, job_id: str, *, clock: Clock) -> Outcome:
    """Ask the job's process group to stop (SIGTERM; SIGKILL on a second cancel).

    The runner records ``canceled``. Where the runner is gone, nobody else
    will, so this records it.
    """
    record = read(store, job_id)
    name = display_name(record)
    run = record.latest
    orphaned = record.supervisor_gone is not None
    if run is None or not (record.state.is_active or orphaned):
        return Outcome(False, f"the job is not running ({_how_it_stands(record.state)})")
    if record.spec is not None and record.spec.host != procs.this_host():
        return Outcome(False, f"the job runs on host {record.spec.host}; cancel it there")
    signal_to_send = signal.SIGKILL if run.cancel_requested else signal.SIGTERM
    run_folder = run.folder

    def note(state: JobState, raw: str, message: str) -> None:
        event = RunEvent(at=clock.now(), state=state, raw_state=raw, message=message, actor=ACTOR_JOBDECK)
        store.append_event(run_folder, event)

    note(run.state, RAW_CANCEL_REQUESTED, f"cancel requested from jobdeck ({signal_to_send.name})")
    # Read again: the command may have started between our first read and the request.
    run = store.read_run(record.folder, run.number)
    process = run.process
    if process is None or process.pid is None:
        if orphaned:
            note(
                JobState.CANCELED,
                RAW_CANCELED,
                "canceled from jobdeck before it started (its runner was gone)",
            )
            return Outcome(True, f"canceled {name}: its runner was gone before the command started")
        return Outcome(True, f"cancel requested: {name} will not start")
    if not procs.is_alive(process.pid, process.pid_start):
        if orphaned:
            note(
                JobState.CANCELED,
                RAW_CANCELED,
                "marked canceled from jobdeck: the process and its runner were gone",
            )
            return Outcome(
                True,
                f"the process of {name} (pid {process.pid}) and its runner "
                f"(pid {record.supervisor_gone}) were already gone; marked canceled",
            )
        return Outcome(False, f"the process of {name} (pid {process.pid}) has already exited")
    try:
        os.killpg(process.pgid or process.pid, signal_to_send)
    except ProcessLookupError:
        return Outcome(False, f"the process of {name} (pid {process.pid}) has already exited")
    except PermissionError:
        return Outcome(False, f"not allowed to signal the process of {name} (pid {process.pid})")
    if orphaned:
        note(
            JobState.CANCELED,
            RAW_CANCELED,
            f"canceled from jobdeck ({signal_to_send.name}; its runner was gone)",
        )
    return Outcome(
        True, f"sent {signal_to_send.name} to {name} (process group {process.pgid or process.pid})"
    )


def _how_it_stands(state: JobState) -> str:
    return {
        JobState.SUCCEEDED: "it succeeded",
        JobState.FAILED: "it failed",
        JobState.CANCELED: "it was canceled",
    }.get(state, f"its state is {state.value}")
