"""Alerts: which failures are new, and where they are told (bell, desktop, a command).

``FailureWatch`` decides what is new. A job alerts when it fails after the deck
saw it not failed: a job that changes to failed, or one that appears failed on a
backend the deck had already listed (it started and failed between two polls).
Jobs failed when first seen (before the deck looked) do not alert. A backend
alerts when it goes down after the deck saw it answer. It keeps only the failed
jobs' ids, and looks at each job of a diff once.

``AlertOutlets`` tells them, off the UI thread where it may wait:

- a desktop notification through the terminal (OSC 9 or OSC 777, as configured),
  never in a deck served to a browser (the caller says ``web``);
- the ``on_failure`` command, as arguments (never a shell), each placeholder filled
  with made-safe text, run in one background thread with a timeout; a failing
  command is reported once (until it works again), not once per job.

The bell and the marks are the deck's (``jobdeck.ui.screens.marks``).
"""

from __future__ import annotations

import logging
import queue
import re
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, is_

from jobdeck.config import AlertSettings
from jobdeck.model import Job, JobRef, JobState
from jobdeck.monitor import BackendHealth, HealthStatus
from jobdeck.safe_text import safe_line

log = logging.getLogger(__name__)

#: The most characters a placeholder's value (or a desktop notification) carries.
FIELD_CHARS = 200
#: Alerts queued for the command at most; more are counted and said once.
HOOK_QUEUE = 32

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Alert:
    """One new failure: a job's (``ref`` set) or a backend's (``ref`` None)."""

    backend: str
    name: str
    ref: JobRef | None = None
    state: str = "failed"
    error: str = ""

    @property
    def text(self) -> str:
        """One line for people, made safe."""
        if self.ref is None:
            head = f"backend {safe_line(self.backend)} is down"
        else:
            head = f"{safe_line(self.name)} failed on {safe_line(self.backend)}"
        error = safe_line(self.error)
        return _cut(f"{head}: {error}" if error else head)

    def fields(self) -> dict[str, str]:
        """The placeholders of the ``on_failure`` command, each one made-safe line."""
        values = {
            "name": self.name,
            "backend": self.backend,
            "id": self.ref.id if self.ref is not None else "",
            "ref": str(self.ref) if self.ref is not None else self.backend,
            "state": self.state,
            "error": self.error,
            "what": "job" if self.ref is not None else "backend",
            "text": self.text,
        }
        return {key: _argument_safe(value) for key, value in values.items()}


def job_alert(job: Job) -> Alert:
    return Alert(backend=job.ref.backend, name=job.name, ref=job.ref, state=job.state.value, error=job.error or "")


class FailureWatch:
    """Which failures are new (see the module's doc). Fed the monitor's diffs and health.

    A poll's diff may carry a million jobs (a first listing): each is looked at once for
    its state, and only failed ones (or, for a backend with failures known, changed ones)
    by id; job ids are strings, whose hashes Python keeps. A backend's first listing
    alerts for nothing, so that look waits until the backend's next diff (a pass over a
    million jobs is no part of the way to the first frame)."""

    def __init__(self) -> None:
        #: Ids of the jobs seen failed, by backend (a failure is new once, until the job
        #: is seen not failed again).
        self._failed: dict[str, set[str]] = {}
        #: Backends listed at least once: a job that appears failed there is a new failure.
        self._listed: set[str] = set()
        #: Backends seen answering, and those seen down since.
        self._up: set[str] = set()
        self._down: set[str] = set()
        #: Each backend's first listing, until its failed jobs are looked for (``_known``).
        self._first_listings: dict[str, Sequence[Job]] = {}

    def baseline(self, jobs: Iterable[Job], health: Iterable[BackendHealth]) -> None:
        """What the deck shows when it starts: nothing in it is new. A backend that has
        answered has been listed."""
        for job in failed_of(jobs):
            self._known(job.ref.backend).add(job.ref.id)
        for backend in health:
            if backend.last_ok is not None:
                self._listed.add(backend.name)
            self.health_changed(backend)

    def jobs_changed(
        self, backend: str, added: Sequence[Job], changed: Sequence[Job], removed: Sequence[JobRef]
    ) -> list[Alert]:
        """The new failures in one poll's diff (all of ``backend``)."""
        alerts: list[Alert] = []
        listed = backend in self._listed
        self._listed.add(backend)
        if not listed and not changed and not removed and backend not in self._first_listings:
            self._first_listings[backend] = added  # nothing in it is new: looked at later
            return alerts
        known = self._known(backend)
        failed = JobState.FAILED  # (a local: this runs over every job of the diff)
        for job in [job for job in added if job.state is failed]:
            if listed and job.ref.id not in known:
                alerts.append(job_alert(job))
            known.add(job.ref.id)
        for job in changed:
            if job.state is failed:
                if job.ref.id not in known:
                    alerts.append(job_alert(job))
                    known.add(job.ref.id)
            elif known:
                known.discard(job.ref.id)
        if known:
            for ref in removed:
                known.discard(ref.id)
        return alerts

    def _known(self, backend: str) -> set[str]:
        """The ids of ``backend``'s jobs seen failed, its first listing's looked at first."""
        known = self._failed.setdefault(backend, set())
        first = self._first_listings.pop(backend, None)
        if first:
            known.update([job.ref.id for job in failed_of(first)])
        return known

    def health_changed(self, health: BackendHealth) -> list[Alert]:
        """A backend seen answering that is now down, once until it answers again."""
        name = health.name
        if health.status in (HealthStatus.OK, HealthStatus.DEGRADED):
            self._up.add(name)
            self._down.discard(name)
        elif health.status is HealthStatus.DOWN and name in self._up and name not in self._down:
            self._down.add(name)
            return [Alert(backend=name, name=name, state="down", error=health.last_error or "")]
        return []


def failed_of(jobs: Iterable[Job]) -> Iterator[Job]:
    """The failed ones of ``jobs``, picked at C speed (a first listing of a million jobs:
    about 40 ms, where a Python loop took 80)."""
    jobs = jobs if isinstance(jobs, Sequence) else list(jobs)
    return compress(jobs, map(is_, map(_STATE, jobs), repeat(JobState.FAILED)))


_STATE = attrgetter("state")


class AlertOutlets:
    """Tells alerts on the desktop and to the ``on_failure`` command (see the module's doc)."""

    def __init__(
        self,
        settings: AlertSettings,
        *,
        write: Callable[[str], None] | None,
        report: Callable[[str], None],
        web: bool = False,
    ) -> None:
        """``write``: raw text to the terminal (None: there is none, e.g. headless);
        ``report``: says a problem of the command, from any thread; ``web``: the deck is
        served to a browser (no desktop notification then)."""
        self._settings = settings
        self._write = write if not web else None
        self._report = report
        self._queue: queue.Queue[Alert | None] = queue.Queue(HOOK_QUEUE)
        self._thread: threading.Thread | None = None
        #: Whether the command's last run failed (and that was said).
        self._failing = False
        self._dropped = 0

    def tell(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        if self._settings.desktop != "off" and self._write is not None:
            self._write(desktop_sequence(self._settings.desktop, alerts))
        if self._settings.on_failure:
            for alert in alerts:
                self._enqueue(alert)

    def close(self) -> None:
        """Let the command's thread end once the queue is done (it never holds the deck up)."""
        if self._thread is not None:
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                pass  # the thread is a daemon: it ends with the process

    def _enqueue(self, alert: Alert) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run_commands, name="jobdeck-alert-hook", daemon=True)
            self._thread.start()
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            self._dropped += 1
            if self._dropped == 1:
                self._report(f"too many alerts at once: the on_failure command skips some (over {HOOK_QUEUE} queued)")

    def _run_commands(self) -> None:
        while (alert := self._queue.get()) is not None:
            problem = run_command(self._settings.on_failure, alert, timeout=self._settings.hook_timeout)
            if problem is None:
                self._failing = False
                self._dropped = 0
            elif not self._failing:
                self._failing = True
                self._report(problem)
            else:
                log.warning("on_failure command: %s", problem)


def command_arguments(template: Sequence[str], alert: Alert) -> list[str]:
    """``template`` with each ``{placeholder}`` filled (unknown ones stay as written)."""
    fields = alert.fields()

    def fill(match: re.Match[str]) -> str:
        return fields.get(match.group(1), match.group(0))

    return [_PLACEHOLDER.sub(fill, part) for part in template]


def run_command(template: Sequence[str], alert: Alert, *, timeout: float) -> str | None:
    """Run the command for ``alert``; None when it worked, else what went wrong (one line)."""
    arguments = command_arguments(template, alert)
    program = safe_line(arguments[0]) if arguments else ""
    try:
        done = subprocess.run(  # noqa: S603 - arguments, never a shell; the user configured the program
            arguments,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"the on_failure command {program} did not finish within {timeout:g} s (stopped)"
    except OSError as exc:
        return f"the on_failure command {program} could not start: {safe_line(exc.strerror or str(exc))}"
    if done.returncode != 0:
        said = safe_line(done.stderr.decode("utf-8", "replace"))[:FIELD_CHARS]
        return f"the on_failure command {program} exited with {done.returncode}" + (f": {said}" if said else "")
    return None


def desktop_sequence(protocol: str, alerts: Sequence[Alert]) -> str:
    """The terminal's notification sequence (OSC 9 or OSC 777) for ``alerts``: one
    notification, naming the first and how many more."""
    body = alerts[0].text if len(alerts) == 1 else f"{alerts[0].text} (and {len(alerts) - 1} more)"
    body = _cut(safe_line(body))
    if protocol == "osc777":
        return f"\x1b]777;notify;jobdeck;{body}\x1b\\"
    return f"\x1b]9;jobdeck: {body}\x1b\\"


def _cut(text: str) -> str:
    return text if len(text) <= FIELD_CHARS else text[: FIELD_CHARS - 1] + "…"


def _argument_safe(value: str) -> str:
    """One terminal-safe line, cut short, never read as an option (no leading ``-``)."""
    text = _cut(safe_line(value))
    return f" {text}" if text.startswith("-") else text
