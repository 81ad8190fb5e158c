"""Celery tasks (``wire.CeleryTask``) → jobdeck's common model: jobs grouped by task name,
a run per attempt (each retry), a timeline of the task's events, and its "log"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from jobdeck.adapters.celery.reprs import cut, cut_block, redact_repr
from jobdeck.adapters.celery.wire import CeleryTask, TaskEvent, WorkerInfo
from jobdeck.model import Job, JobGroup, JobRef, JobState, Run, StateCounts, StatusEvent, map_state
from jobdeck.redact import SecretScrubber

#: Celery's task states. RETRY waits to run again (queued), REJECTED was refused by a worker.
TASK_STATES: dict[str, JobState] = {
    "PENDING": JobState.PENDING,
    "RECEIVED": JobState.PENDING,
    "STARTED": JobState.RUNNING,
    "RETRY": JobState.PENDING,
    "SUCCESS": JobState.SUCCEEDED,
    "FAILURE": JobState.FAILED,
    "REVOKED": JobState.CANCELED,
    "REJECTED": JobState.FAILED,
}

#: Each task event, the state it puts the task in, and the word the timeline gives it.
EVENT_STATES: dict[str, tuple[str, str]] = {
    "task-sent": ("PENDING", "sent"),
    "task-received": ("RECEIVED", "received"),
    "task-started": ("STARTED", "started"),
    "task-retried": ("RETRY", "retried"),
    "task-succeeded": ("SUCCESS", "succeeded"),
    "task-failed": ("FAILURE", "failed"),
    "task-revoked": ("REVOKED", "revoked"),
    "task-rejected": ("REJECTED", "rejected"),
}
#: Flower keeps the time of the latest event of each kind: its fields, in the order they happen.
TIMESTAMP_EVENTS: tuple[tuple[str, str], ...] = (
    ("sent", "task-sent"),
    ("received", "task-received"),
    ("started", "task-started"),
    ("retried", "task-retried"),
    ("succeeded", "task-succeeded"),
    ("failed", "task-failed"),
    ("revoked", "task-revoked"),
    ("rejected", "task-rejected"),
)

#: The task's fields that are times (epoch seconds), shown as ISO times in its detail.
TIME_FIELDS: tuple[str, ...] = (*(field for field, _ in TIMESTAMP_EVENTS), "timestamp")

#: How much of an argument list a label shows, and the detail pane.
LABEL_LIMIT = 80
DETAIL_LIMIT = 2000
ERROR_LIMIT = 200
#: The most of a result, exception and traceback the log shows.
LOG_LIMIT = 64 * 1024
NO_TASK_LOGS = (
    "Celery keeps no log per task: what a task prints goes to its worker's log. "
    "Shown here: the task's result, or its exception and traceback."
)


def when(epoch: float | None) -> datetime | None:
    """An epoch time from Celery; none for one no calendar holds (Flower's values are untrusted)."""
    try:
        return datetime.fromtimestamp(epoch, UTC) if epoch else None
    except (OverflowError, OSError, ValueError):
        return None


def clock(epoch: float) -> str:
    """An event's time of day in the task's log (dashes for one no calendar holds)."""
    moment = when(epoch)
    return f"{moment:%H:%M:%S}" if moment else "--:--:--"


def iso_time(epoch: float) -> str | float:
    """An epoch time as an ISO time (UTC, milliseconds); one no calendar holds stays as it came."""
    moment = when(epoch)
    return moment.isoformat(timespec="milliseconds") if moment else epoch


#: A running task is lost when its worker, online, said in a heartbeat at least this long after
#: the task started that it runs no task (both times are read from the worker's own clock).
LOST_MARGIN_S = 2.0


def idle_workers(workers: Iterable[WorkerInfo]) -> dict[str, float]:
    """The online workers that run no task, with the time of the heartbeat that said so."""
    return {w.name: w.beat_at for w in workers if w.online and w.active == 0 and w.beat_at is not None}


def lost_note(raw_state: object, worker: object, started: object, offline: Mapping[str, bool],
              idle: Mapping[str, float]) -> str | None:
    """Why a task is lost, in the words its row says it; None when it is not. Only a running
    task (STARTED) can be: its worker is offline (Celery will never say how it ended), or is
    online and has said since the task started that it runs nothing (restarted under the same
    name, or dropped it). One rule for the task's row and for its name's group."""
    if raw_state != "STARTED" or not isinstance(worker, str) or not worker:
        return None
    if offline.get(worker, False):
        return f"its worker {worker} is offline: the task was lost unless the worker comes back"
    if lost_on_idle(worker, started, idle):
        return (f"its worker {worker} runs no task since this one started (restarted?): "
                "the task was lost unless Celery sends it again")
    return None


def lost_on_idle(worker: object, started: object, idle: Mapping[str, float]) -> bool:
    """Whether a task that started at ``started`` (epoch seconds) on ``worker`` is lost: its worker
    has said since that it runs nothing (it restarted under the same name, or dropped the task)."""
    beat_at = idle.get(worker) if isinstance(worker, str) else None
    if beat_at is None or isinstance(started, bool) or not isinstance(started, int | float):
        return False
    return started < beat_at - LOST_MARGIN_S


def worker_name(raw: Mapping[str, object]) -> str:
    """The worker of a task as Celery sent it: Flower sends its hostname, some versions the
    worker object ({"hostname": …}); "" when neither."""
    worker = raw.get("worker")
    if isinstance(worker, Mapping):
        worker = worker.get("hostname")
    return worker if isinstance(worker, str) else ""


UNNAMED = "(unnamed task)"


def short_name(task: CeleryTask) -> str:
    return task.name or UNNAMED


#: The order of a single attempt's events (sent, received, started, how it ended).
_KIND_ORDER = {kind: n for n, (_, kind) in enumerate(TIMESTAMP_EVENTS)}


def events_of(task: CeleryTask) -> list[TaskEvent]:
    """The task's events, oldest first: every one seen (broker mode), or the latest of each
    kind that Flower keeps (with the task's exception on its retry and failure).

    Their times come from different processes (the sender's, each worker's) and may be a
    little out of order: a task without retries is one attempt, put in its causal order;
    the attempts of a retried one are interleaved across workers, and kept in time order.
    """
    if task.events:
        found = list(task.events)
    else:
        found = []
        for field, kind in TIMESTAMP_EVENTS:
            at = getattr(task, field)
            if at:
                reason = task.exception if kind in ("task-retried", "task-failed") else None
                host = None if kind == "task-sent" else task.worker
                found.append(TaskEvent(type=kind, at=at, hostname=host, reason=reason))
    if any(event.type == "task-retried" for event in found):
        return sorted(found, key=lambda event: event.at)
    return sorted(found, key=lambda event: (_KIND_ORDER.get(event.type, len(_KIND_ORDER)), event.at))


#: How many of a task name's latest tasks its group row shows as a strip of states.
RECENT = 30
#: The window over which a group's rate (tasks that ended per minute) is told.
RATE_WINDOW_S = 300.0


def _time(value: object) -> float:
    """Epoch seconds as Celery sent them, else 0 (a broken value sorts first, never raises)."""
    if type(value) is float:
        return value  # type: ignore[return-value]
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else 0.0


#: The field that times each way a task ends.
_END_FIELD = {"SUCCESS": "succeeded", "FAILURE": "failed", "REVOKED": "revoked", "REJECTED": "rejected"}


def _retries(raw: Mapping[str, object]) -> int:
    """The retries a task has had: Celery counts them on each attempt's receipt; one waiting
    to run again (RETRY) has had one more than its last attempt says."""
    count = raw.get("retries")
    done = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0
    return done + (1 if raw.get("state") == "RETRY" else 0)


def group_of(tasks: Iterable[Mapping[str, object]], scope: str | None = None, *,
             now: float | None = None, lost: Sequence[bool] = ()) -> dict[str, JobGroup]:
    """A group per task name (each task as Celery sent it): its listed tasks by state, their
    retries, the latest tasks' states (newest last) and, with ``now`` (epoch seconds), how many
    ended per minute over the last RATE_WINDOW_S. A task ``lost`` says is lost (one flag per task,
    in their order: ``lost_note``) counts as unknown, as its row shows it."""
    by_name: dict[str, list[tuple[float, JobState]]] = defaultdict(list)
    retries: dict[str, int] = defaultdict(int)
    ended_lately: dict[str, int] = defaultdict(int)
    since, until = (now - RATE_WINDOW_S, now + 1) if now is not None else (0.0, 0.0)
    for index, raw in enumerate(tasks):
        name, state = raw.get("name"), raw.get("state")
        state = state if isinstance(state, str) else None
        key = name if isinstance(name, str) and name else UNNAMED
        # In the order they were sent (a task's latest event may be much later: a revocation).
        began = _time(raw.get("sent") or raw.get("received") or raw.get("timestamp"))
        lost_now = index < len(lost) and lost[index]
        shown = JobState.UNKNOWN if lost_now else TASK_STATES.get(state) or map_state(state, TASK_STATES)  # type: ignore[arg-type]
        by_name[key].append((began, shown))
        if raw.get("retries") or state == "RETRY":
            retries[key] += _retries(raw)
        end_field = _END_FIELD.get(state) if now is not None and state is not None else None
        if end_field is not None and since < _time(raw.get(end_field)) <= until:
            ended_lately[key] += 1
    groups = {}
    for name, listed in by_name.items():
        listed.sort(key=lambda task: task[0])
        groups[name] = JobGroup(
            key=name, name=name, counts=StateCounts.of(state for _, state in listed), scope=scope,
            retries=retries[name], recent=tuple(state for _, state in listed[-RECENT:]),
            per_minute=round(ended_lately[name] * 60 / RATE_WINDOW_S, 1) if now is not None else None,
            rate_window_s=RATE_WINDOW_S if now is not None else None,
        )
    return groups


class Converter:
    """Builds the model of one backend's tasks; secrets of its settings are scrubbed from free text."""

    def __init__(self, backend: str, scrubber: SecretScrubber) -> None:
        self.backend = backend
        self.scrub = scrubber.text

    def job(
        self,
        task: CeleryTask,
        group: JobGroup | None,
        retry_of: str | None = None,
        *,
        lost: str | None = None,
    ) -> Job:
        """The job of ``task``; ``lost``: why it is lost (``lost_note``), shown as unknown with that note."""
        state = map_state(task.state, TASK_STATES)
        name = short_name(task)
        args, kwargs = self.scrub(redact_repr(task.args)), self.scrub(redact_repr(task.kwargs))
        labels = {"task": name, "args": cut(args, LABEL_LIMIT), "kwargs": cut(kwargs, LABEL_LIMIT)}
        if task.worker:
            labels["worker"] = task.worker
        if task.retries:
            labels["retries"] = str(task.retries)
        if retry_of:
            labels["retry of"] = retry_of
        error = self.error(task, state)
        if lost is not None and state is JobState.RUNNING:
            state, error = JobState.UNKNOWN, lost
        ended = task.succeeded or task.failed or task.revoked or task.rejected
        # Sent is the sender's clock, started the worker's: a skew of a millisecond never puts
        # the task's start before its creation.
        created, started = when(task.sent) or when(task.received), when(task.started)
        if created is not None and started is not None and started < created:
            created = started
        shown_args = ", ".join(part for part in (cut(args, LABEL_LIMIT), cut(kwargs, LABEL_LIMIT)) if part not in ("", "()", "[]", "{}"))
        return Job(
            ref=JobRef(backend=self.backend, id=task.uuid),
            name=f"{name}({shown_args})" if shown_args else name,
            state=state,
            raw_state=task.state,
            created=created,
            started=started,
            ended=when(ended) if state.is_terminal else None,
            updated=when(task.timestamp),
            labels={key: value for key, value in labels.items() if value},
            error=error,
            detail=self.detail(task, args, kwargs),
            group=group,
        )

    def error(self, task: CeleryTask, state: JobState) -> str | None:
        if state is JobState.FAILED:
            return cut(self.scrub(task.exception or task.state or "failed"), ERROR_LIMIT)
        if state is JobState.CANCELED:
            return "revoked"
        if task.state == "RETRY" and task.exception:
            return cut("retrying after " + self.scrub(task.exception), ERROR_LIMIT)
        return None

    def detail(self, task: CeleryTask, args: str, kwargs: str) -> dict[str, object]:
        fields = task.model_dump(exclude={"events", "args", "kwargs", "result", "exception", "traceback"})
        shown: dict[str, object] = {key: value for key, value in fields.items() if value is not None}
        for key in TIME_FIELDS:
            # Celery's times are epoch seconds: shown as times, not as 1796674320.6025438.
            if isinstance(value := shown.get(key), float):
                shown[key] = iso_time(value)
        shown["args"] = cut(args, DETAIL_LIMIT)
        shown["kwargs"] = cut(kwargs, DETAIL_LIMIT)
        if task.result is not None:
            shown["result"] = cut(self.scrub(redact_repr(task.result)), DETAIL_LIMIT)
        if task.exception:
            shown["exception"] = cut(self.scrub(task.exception), DETAIL_LIMIT)
        return shown

    def timeline(self, task: CeleryTask) -> list[StatusEvent]:
        events: list[StatusEvent] = []
        # Flower keeps only the latest retry: what follows it is the last attempt.
        attempt = max(1, task.retries or 0) if not task.events and task.retried else 1
        for event in events_of(task):
            raw, word = EVENT_STATES.get(event.type, (event.type, event.type.removeprefix("task-")))
            message, run = word, attempt
            if event.type == "task-started":
                message = f"started (attempt {attempt})"
            elif event.type == "task-retried":
                message = f"retry {attempt}" + (f": {cut(self.scrub(event.reason), ERROR_LIMIT)}" if event.reason else "")
                attempt += 1
            elif event.reason:
                message = f"{word}: {cut(self.scrub(event.reason), ERROR_LIMIT)}"
            events.append(
                StatusEvent(
                    at=when(event.at) or datetime.now(UTC),
                    state=map_state(raw, TASK_STATES),
                    raw_state=raw,
                    message=message,
                    actor=event.hostname,
                    run=str(run),
                )
            )
        return events

    def runs(self, job: Job, task: CeleryTask) -> list[Run]:
        """One run per attempt, newest first: each retry ended one (RETRY, with its reason where
        known), the last is the task as it is now. Flower keeps the times of the latest only."""
        retries = task.retries or 0
        events = events_of(task)
        starts = [event for event in events if event.type == "task-started"]
        retried = [event for event in events if event.type == "task-retried"]
        runs: list[Run] = []
        for number in range(1, retries + 1):
            start = starts[number - 1] if task.events and number <= len(starts) else None
            retry = retried[number - 1] if task.events and number <= len(retried) else None
            if not task.events and number == retries:
                retry = next(iter(retried), None)  # Flower keeps the latest retry's time
            runs.append(
                Run(
                    job=job.ref,
                    id=str(number),
                    state=JobState.FAILED,
                    raw_state="RETRY",
                    started=when(start.at) if start else None,
                    ended=when(retry.at) if retry else None,
                    error=cut(self.scrub(retry.reason), ERROR_LIMIT) if retry and retry.reason else "retried",
                    reason="retried",
                )
            )
        runs.append(
            Run(
                job=job.ref,
                id=str(retries + 1),
                state=job.state,
                raw_state=job.raw_state,
                started=job.started,
                ended=job.ended,
                error=job.error,
                detail={"worker": task.worker} if task.worker else {},
            )
        )
        return runs[::-1]

    def log_text(self, task: CeleryTask) -> str:
        """A line per event of the task, then its result, or its exception and traceback;
        bounded, secrets hidden. It only grows while the task runs (a log read on from a
        cursor loses nothing), as long as no retry rewrites what Flower keeps."""
        lines = [
            f"{clock(event.at)} {event.type.removeprefix('task-')}"
            + (f" on {event.hostname}" if event.hostname and event.type != "task-sent" else "")
            + (f": {self.scrub(event.reason)}" if event.reason and event.type != "task-failed" else "")
            + "\n"
            for event in events_of(task)
        ]
        if task.state == "SUCCESS":
            lines.append("result: " + self.scrub(redact_repr(task.result)) + "\n")
        if task.state in ("FAILURE", "REJECTED") and task.exception:
            lines.append("exception: " + self.scrub(task.exception) + "\n")
            if task.traceback:
                lines.append(self.scrub(task.traceback).rstrip("\n") + "\n")
        return cut_block("".join(lines), LOG_LIMIT)
