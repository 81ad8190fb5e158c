"""What Slurm's states, state reasons and exit codes mean, in jobdeck's words."""

from __future__ import annotations

import signal as signals

from jobdeck.adapters.slurm.wire import Exit
from jobdeck.model import JobState, map_state

#: Slurm's job states (``squeue``'s long names) → jobdeck's.
STATES: dict[str, JobState] = {
    "PENDING": JobState.PENDING,
    "CONFIGURING": JobState.PENDING,
    "REQUEUED": JobState.PENDING,
    "REQUEUE_FED": JobState.PENDING,
    "REQUEUE_HOLD": JobState.PAUSED,
    "RESV_DEL_HOLD": JobState.PAUSED,
    "RUNNING": JobState.RUNNING,
    "COMPLETING": JobState.RUNNING,
    "STAGE_OUT": JobState.RUNNING,
    "SIGNALING": JobState.RUNNING,
    "RESIZING": JobState.RUNNING,
    "SUSPENDED": JobState.PAUSED,
    "STOPPED": JobState.PAUSED,
    "COMPLETED": JobState.SUCCEEDED,
    "FAILED": JobState.FAILED,
    "TIMEOUT": JobState.FAILED,
    "OUT_OF_MEMORY": JobState.FAILED,
    "NODE_FAIL": JobState.FAILED,
    "BOOT_FAIL": JobState.FAILED,
    "DEADLINE": JobState.FAILED,
    "PREEMPTED": JobState.FAILED,
    "SPECIAL_EXIT": JobState.FAILED,
    "REVOKED": JobState.CANCELED,
    "CANCELLED": JobState.CANCELED,
}

#: Reasons that hold a pending job until it is released: shown as paused (resume releases it).
HELD_REASONS = frozenset({"JobHeldUser", "JobHeldAdmin", "job_requeued_in_held_state"})

#: What the common state reasons mean, in one line each.
REASONS: dict[str, str] = {
    "None": "",
    "Priority": "waiting: jobs of higher priority are queued ahead of it",
    "Resources": "waiting for nodes, CPUs or memory to become free",
    "Dependency": "waiting for a job it depends on to finish",
    "DependencyNeverSatisfied": "a job it depends on ended in a way that can never satisfy the dependency",
    "BeginTime": "waiting for its start time (a requeued job waits about two minutes)",
    "JobHeldUser": "held by its user: it will not start until released (resume)",
    "JobHeldAdmin": "held by an administrator: only an administrator can release it",
    "JobArrayTaskLimit": "the array's limit of tasks running at once is reached",
    "QOSMaxJobsPerUserLimit": "the QOS allows this user no more running jobs now",
    "AssocGrpCpuLimit": "the account's CPU limit is reached",
    "AssocMaxJobsLimit": "the account's limit of running jobs is reached",
    "PartitionDown": "its partition is down",
    "PartitionInactive": "its partition is inactive",
    "PartitionTimeLimit": "its time limit exceeds the partition's",
    "PartitionNodeLimit": "it asks for more nodes than the partition allows",
    "ReqNodeNotAvail": "a node it needs is not available (down, drained or reserved)",
    "NodeDown": "a node it needs is down",
    "Reservation": "waiting for its reservation to start",
    "Licenses": "waiting for a license",
    "launch_failed_requeued_held": "its launch failed; it was requeued and held",
    "NonZeroExitCode": "the job exited with a non-zero code",
    "RaisedSignal": "the job was ended by a signal",
    "TimeLimit": "the job reached its time limit and was stopped",
    "OutOfMemory": "the job used more memory than it asked for",
    "Prolog": "its prolog is running",
    "BadConstraints": "its constraints cannot be met by any node",
    "InvalidAccount": "its account is not valid",
    "InvalidQOS": "its QOS is not valid",
    "Cleaning": "waiting for the previous run's clean-up (after a requeue)",
    "SystemFailure": "a Slurm or node failure",
}

#: The ends worth a line of their own, for a job that failed without an exit code.
END_WORDS: dict[str, str] = {
    "TIMEOUT": "reached its time limit",
    "OUT_OF_MEMORY": "ran out of memory",
    "NODE_FAIL": "its node failed",
    "BOOT_FAIL": "its node failed to boot",
    "DEADLINE": "missed its deadline",
    "PREEMPTED": "was preempted",
    "CANCELLED": "was cancelled",
}


def job_state(state: str | None, reason: str | None) -> JobState:
    """jobdeck's state for a Slurm state (a held pending job is paused: resume releases it)."""
    mapped = map_state(state, STATES)
    if mapped is JobState.PENDING and reason in HELD_REASONS:
        return JobState.PAUSED
    return mapped


def explain_reason(reason: str | None) -> str | None:
    """One line on what ``reason`` means (None for "None", or an unknown reason)."""
    if not reason or reason == "None":
        return None
    return REASONS.get(reason) or None


def signal_name(number: int | None, given: str | None = None) -> str:
    """``SIGTERM`` for 15 (or the name Slurm gave)."""
    if given:
        return given if given.startswith("SIG") else f"SIG{given}"
    if number is None:
        return "a signal"
    try:
        return signals.Signals(number).name
    except ValueError:
        return f"signal {number}"


def exit_words(exit: Exit | None) -> str | None:
    """``exit 3``, ``killed by SIGTERM``, or None when not known."""
    if exit is None:
        return None
    if exit.signal or exit.signal_name:
        return f"killed by {signal_name(exit.signal, exit.signal_name)}"
    if exit.code is None:
        return None
    return f"exit {exit.code}"


def exit_from_text(value: str) -> Exit | None:
    """Text sacct's ``ExitCode`` (``3:0``: exit code, then the signal)."""
    code, _, signal = value.partition(":")
    try:
        sig = int(signal or 0)
        return Exit(signal=sig) if sig else Exit(code=int(code))
    except ValueError:
        return None
