"""Slurm's answers, of every version read, as one record per job (``SlurmRecord``).

The shapes differ across releases: 22.05 (OpenAPI v0.0.38) sends a state as a
string and numbers as numbers; from 23.02 on (v0.0.39, v0.0.40 in 23.11, v0.0.41
in 24.05) ``job_state`` is a list of flags and many numbers are objects
``{"set": bool, "infinite": bool, "number": n}``; the exit code became an object
too. Everything here reads all of them, field by field: a field it cannot read
is left empty, and a job whose id it cannot read is skipped and counted
(``Parsed.skipped``), so an unknown version shows what can be shown and says
what could not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The OpenAPI versions whose shapes were written for (newer ones are read all the same).
KNOWN_PLUGINS = ("v0.0.38", "v0.0.39", "v0.0.40", "v0.0.41")


@dataclass(frozen=True, slots=True)
class Exit:
    """How a job ended: its exit code, or the signal that ended it."""

    code: int | None = None
    signal: int | None = None
    signal_name: str | None = None


@dataclass(frozen=True, slots=True)
class SlurmRecord:
    """One job (or one array task) as the queue or accounting tells it."""

    job_id: int
    name: str = ""
    state: str | None = None
    #: Every state flag the newer versions list (``["PENDING", "REQUEUED"]``), the first being ``state``.
    flags: tuple[str, ...] = ()
    reason: str | None = None
    exit: Exit | None = None
    array_job_id: int | None = None
    array_task_id: int | None = None
    #: The array's tasks still pending under this record (``"2-4"``, ``"0-99%5"``).
    array_pending: str | None = None
    het_job_id: int | None = None
    het_offset: int | None = None
    submit: int | None = None
    eligible: int | None = None
    start: int | None = None
    end: int | None = None
    restarts: int | None = None
    user: str | None = None
    partition: str | None = None
    nodes: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    workdir: str | None = None
    time_limit: int | None = None
    #: "queue" (slurmctld) or "accounting" (slurmdbd).
    source: str = "queue"
    #: Slurm's own id: ``1234``, or ``1234_5`` for an array task (worked out once: polls ask often).
    task_key: str = field(init=False, compare=False, repr=False)
    #: The id of what it is shown as: itself, its array or its heterogeneous job; and which of those.
    unit_key: str = field(init=False, compare=False, repr=False)
    unit_kind: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.array_job_id and self.array_task_id is not None:
            task_key = f"{self.array_job_id}_{self.array_task_id}"
        else:
            task_key = str(self.job_id)
        object.__setattr__(self, "task_key", task_key)
        if self.array_job_id:
            unit = (str(self.array_job_id), "array")
        elif self.het_job_id:
            unit = (str(self.het_job_id), "het")
        else:
            unit = (task_key, "job")
        object.__setattr__(self, "unit_key", unit[0])
        object.__setattr__(self, "unit_kind", unit[1])


@dataclass
class Parsed:
    records: list[SlurmRecord] = field(default_factory=list)
    #: The OpenAPI plugin the answer says it speaks (``openapi/v0.0.38``), when it says.
    plugin: str | None = None
    release: str | None = None
    #: Jobs that could not be read, and why (the first reason).
    skipped: int = 0
    why_skipped: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def unknown_version(self) -> bool:
        return self.plugin is not None and not any(self.plugin.endswith(v) for v in KNOWN_PLUGINS)


def number(value: Any) -> int | None:
    """A number as any version sends it: ``5``, ``{"set": true, "number": 5}``; None when unset or infinite."""
    if isinstance(value, dict):
        if value.get("infinite") or value.get("set") is False:
            return None
        value = value.get("number")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def epoch(value: Any) -> int | None:
    """A time in epoch seconds; 0 (Slurm's "not yet") is None."""
    seconds = number(value)
    return seconds if seconds else None


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    return None


def state_flags(value: Any) -> tuple[str, ...]:
    """``"PENDING"`` or ``["PENDING", "REQUEUED"]`` (23.02 on) as a tuple of flags."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str) and item)
    return ()


def exit_of(value: Any) -> Exit | None:
    """A raw wait status (22.05: 768 is exit 3, 15 is SIGTERM) or the newer object
    ``{"status": [...], "return_code": n, "signal": {"id"|"signal_id": n, "name": s}}``."""
    if isinstance(value, dict):
        code = number(value.get("return_code"))
        signal = value.get("signal")
        signal_id = signal_name = None
        if isinstance(signal, dict):
            signal_id = number(signal.get("id", signal.get("signal_id")))
            signal_name = text(signal.get("name")) or None
        status = state_flags(value.get("status"))
        if "SIGNALED" in status and (signal_id or signal_name):
            return Exit(signal=signal_id, signal_name=signal_name)
        return Exit(code=code) if code is not None else None
    status = number(value)
    if status is None:
        return None
    return wait_status(status)


def wait_status(status: int) -> Exit:
    """A raw wait status: the low 7 bits a signal, else the exit code in the next byte."""
    if status & 0x7F:
        return Exit(signal=status & 0x7F)
    return Exit(code=(status >> 8) & 0xFF)


def record_from_queue(job: Any) -> SlurmRecord:
    """A job of ``squeue --json`` / ``GET /slurm/vX/jobs`` (any version). ValueError without a job id."""
    if not isinstance(job, dict):
        raise ValueError("a job is not an object")
    job_id = number(job.get("job_id"))
    if job_id is None:
        raise ValueError("a job has no job_id")
    flags = state_flags(job.get("job_state"))
    array_job = number(job.get("array_job_id"))
    het_job = number(job.get("het_job_id"))
    return SlurmRecord(
        job_id=job_id,
        name=text(job.get("name")) or "",
        state=flags[0] if flags else None,
        flags=flags,
        reason=text(job.get("state_reason")),
        exit=exit_of(job.get("exit_code")),
        array_job_id=array_job or None,
        array_task_id=number(job.get("array_task_id")),
        array_pending=text(job.get("array_task_string")) or None,
        het_job_id=het_job or None,
        het_offset=number(job.get("het_job_offset")) if het_job else None,
        submit=epoch(job.get("submit_time")),
        eligible=epoch(job.get("eligible_time")),
        # A pending job's start_time is when the scheduler expects to start it (a --begin job's
        # hours ahead), not a start: it has none yet.
        start=None if flags[:1] == ("PENDING",) else epoch(job.get("start_time")),
        end=epoch(job.get("end_time")),
        restarts=number(job.get("restart_cnt")),
        user=text(job.get("user_name")),
        partition=text(job.get("partition")),
        nodes=text(job.get("nodes")),
        stdout=text(job.get("standard_output")),
        stderr=text(job.get("standard_error")),
        workdir=text(job.get("current_working_directory")),
        time_limit=number(job.get("time_limit")),
    )


def record_from_accounting(job: Any) -> SlurmRecord:
    """A job of ``sacct --json`` / ``GET /slurmdb/vX/jobs`` (any version). ValueError without a job id.

    Its job-level ``exit_code`` is not trusted: 22.05 says SUCCESS 0 for a job that ran
    ``exit 3`` (text sacct says 3:0), so a failed job's code is left unknown here unless
    it is not 0 (the queue's, or text sacct's, is kept instead).
    """
    if not isinstance(job, dict):
        raise ValueError("a job is not an object")
    job_id = number(job.get("job_id"))
    if job_id is None:
        raise ValueError("a job has no job_id")
    state = job.get("state") if isinstance(job.get("state"), dict) else {}
    flags = state_flags(state.get("current"))
    times = job.get("time") if isinstance(job.get("time"), dict) else {}
    array = job.get("array") if isinstance(job.get("array"), dict) else {}
    het = job.get("het") if isinstance(job.get("het"), dict) else {}
    exit = exit_of(job.get("exit_code"))
    if exit is not None and exit.code == 0 and flags and flags[0] not in ("COMPLETED", "RUNNING", "PENDING"):
        exit = None  # the misleading summary: see the docstring
    array_job = number(array.get("job_id"))
    het_job = number(het.get("job_id"))
    return SlurmRecord(
        job_id=job_id,
        name=text(job.get("name")) or "",
        state=flags[0] if flags else None,
        flags=flags,
        reason=text(state.get("reason")),
        exit=exit,
        array_job_id=array_job or None,
        array_task_id=number(array.get("task_id")),
        array_pending=(text(array.get("task")) or None) if number(array.get("task_id")) is None else None,
        het_job_id=het_job or None,
        het_offset=number(het.get("job_offset")) if het_job else None,
        submit=epoch(times.get("submission")),
        eligible=epoch(times.get("eligible")),
        start=epoch(times.get("start")),
        end=epoch(times.get("end")),
        restarts=None,
        user=text(job.get("user")),
        partition=text(job.get("partition")),
        nodes=text(job.get("nodes")),
        workdir=text(job.get("working_directory")),
        time_limit=number(times.get("limit")),
        source="accounting",
    )


def parse_answer(data: Any, *, accounting: bool) -> Parsed:
    """Every job of an answer (``{"meta", "errors", "jobs"}``) that can be read."""
    parsed = Parsed()
    if not isinstance(data, dict):
        parsed.errors.append("the answer is not a JSON object")
        return parsed
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    plugin = meta.get("plugin") if isinstance(meta.get("plugin"), dict) else {}
    parsed.plugin = text(plugin.get("data_parser")) or text(plugin.get("type"))
    slurm = meta.get("Slurm") if isinstance(meta.get("Slurm"), dict) else meta.get("slurm")
    if isinstance(slurm, dict):
        parsed.release = text(slurm.get("release"))
    for error in data.get("errors") or ():
        if isinstance(error, dict):
            words = text(error.get("error")) or text(error.get("description")) or ""
            if words or error.get("error_number"):
                parsed.errors.append(f"{words} (error {error.get('error_number', '?')})".strip())
    jobs = data.get("jobs")
    if not isinstance(jobs, list):
        parsed.errors.append("the answer has no list of jobs")
        return parsed
    read = record_from_accounting if accounting else record_from_queue
    for job in jobs:
        try:
            parsed.records.append(read(job))
        except (ValueError, TypeError, AttributeError) as exc:
            parsed.skipped += 1
            parsed.why_skipped = parsed.why_skipped or str(exc)
    return parsed
