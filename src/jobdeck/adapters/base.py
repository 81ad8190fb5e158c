"""The adapter contract. One subclass per backend kind.

An adapter speaks one backend's wire format and returns the common model
(``jobdeck.model``). It raises only ``jobdeck.errors.AdapterError`` kinds.
It never imports Textual and never decides policy (read-only, jobdeck's own
archive, backoff): that is the monitor's job.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import ClassVar
from urllib.parse import quote

from jobdeck.adapters.actions import STANDARD_ACTIONS, STANDARD_NAMES, ActionSpec
from jobdeck.adapters.changes import Change
# Their own modules; named here too, where adapters import them from.
from jobdeck.adapters.listed_jobs import ListedJobs as ListedJobs
from jobdeck.adapters.settings import BackendSettings as BackendSettings, read_secret as read_secret
from jobdeck.clock import Clock, SystemClock
from jobdeck.errors import NotFound, Unsupported
from jobdeck.log_cursor import STDOUT, LogCursor, as_log_cursor, resume_cursor
from jobdeck.model import ActionResult, Capability, Job, JobState, LogChunk, Run, RunPage, StatusEvent


#: A followed log is read again after at least this many times its last read took: a log
#: that is costly to read (Airflow reads a whole log for each request; a slow link) is not
#: read back to back, keeping the backend's share of the work small.
FOLLOW_COST_FACTOR = 4.0
#: ... but at least this often (seconds).
FOLLOW_LONGEST_PAUSE = 30.0


def follow_pause(took: float, interval: float) -> float:
    """Seconds to wait before reading a followed log again, its last read having taken ``took``."""
    return max(min(1.0, interval), min(FOLLOW_LONGEST_PAUSE, FOLLOW_COST_FACTOR * took))


class Adapter(ABC):
    """Base of every backend adapter."""

    #: The config ``kind`` this adapter serves.
    kind: ClassVar[str]
    #: The settings model for this kind.
    Settings: ClassVar[type[BackendSettings]] = BackendSettings
    #: What this backend can do.
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LIST})
    #: Why a capability is missing, in words for the user (keyed by capability).
    unsupported_reasons: ClassVar[dict[Capability, str]] = {}
    #: Actions for which the backend records an optional reason the user may give.
    reason_actions: ClassVar[frozenset[Capability]] = frozenset()
    #: What a log cursor's position is here (``jobdeck.log_cursor``): "bytes", a UTF-8 byte
    #: offset (an int: the deck opens a long log at its tail and pages back), or "token",
    #: the adapter's own (read on from only; ``log_paging_reason`` says why in the deck).
    log_position: ClassVar[str] = "bytes"
    #: Why earlier lines cannot be paged to, where positions are tokens.
    log_paging_reason: ClassVar[str] = "this backend's log is read on from where it was, not by byte offset"
    #: The streams of a log a cursor may name (the first when none is named).
    log_streams: ClassVar[tuple[str, ...]] = (STDOUT,)

    def __init__(self, settings: BackendSettings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()

    @property
    def name(self) -> str:
        return self.settings.name

    # -- life cycle -------------------------------------------------------

    async def open(self) -> None:
        """Prepare clients and connections. Called once before any other call."""

    async def close(self) -> None:
        """Release clients and connections. Safe to call twice."""

    def forget_cached(self) -> None:
        """Drop what is kept from earlier polls, so that the next poll asks the backend
        for everything. The monitor calls it when the user asks for a refresh."""

    def describe(self) -> dict[str, str]:
        """What ``jobdeck info`` prints about this backend (no secrets)."""
        return {"kind": self.kind}

    def warnings(self) -> tuple[str, ...]:
        """Standing warnings about how this backend is set up, shown in the header
        beside its health (for example "TLS verification off")."""
        return ()

    def notes(self) -> tuple[str, ...]:
        """Short facts about the backend as it last answered, not problems ("2 workers
        online, 3 active tasks"): shown beside its health in a wide header and in ``H``."""
        return ()

    # -- capabilities -----------------------------------------------------

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def why_unsupported(self, capability: Capability) -> str:
        return self.unsupported_reasons.get(
            capability, f"{self.kind} backends cannot {capability.value}"
        )

    def why_not(self, capability: Capability, job: Job) -> str | None:
        """Why ``capability`` cannot be used on this particular job now, or None.

        The default covers the common sense rules; adapters refine them.
        """
        if not self.supports(capability):
            return self.why_unsupported(capability)
        if capability is Capability.CANCEL and not job.state.is_active:
            return f"the job is {job.state.value}, not running"
        if capability is Capability.RETRY and job.state.is_active:
            return f"the job is still {job.state.value}"
        if capability is Capability.ARCHIVE and job.archived:
            return "the job is already archived"
        if capability is Capability.RESTORE and not job.archived:
            return "the job is not archived"
        if capability is Capability.PAUSE and job.state is JobState.PAUSED:
            return "the job is already paused"
        if capability is Capability.RESUME and job.state is not JobState.PAUSED:
            return f"the job is {job.state.value}, not paused"
        return None

    def web_page(self, job: Job) -> str | None:
        """The job's page in the backend's own web UI (an http(s) URL), or None where it has
        none. Made from the configured URL and the job's ids, percent-encoded
        (``kit.http_paths.web_page``): the deck shows it, copies it and links to it, and
        never starts a browser. The settings' ``web_url``, with the id in it, else the page
        the adapter knows (``known_web_page``)."""
        template = self.settings.web_url
        return template.replace("{id}", quote(job.ref.id, safe="")) if template else self.known_web_page(job)

    def known_web_page(self, job: Job) -> str | None:
        """The job's page in the web UI this backend kind is known to have, or None."""
        return None

    # -- actions declared (``jobdeck.adapters.actions``) ---------------------

    def actions(self) -> tuple[ActionSpec, ...]:
        """The actions this backend offers: the standard six, and an engine's own after
        them (``(*super().actions(), HOLD)``). Each is done by the method of its name."""
        return STANDARD_ACTIONS

    def why_not_action(self, spec: ActionSpec, job: Job) -> str | None:
        """Why the declared action ``spec`` cannot be done on ``job`` now, or None."""
        if spec.capability is not None:
            reason = self.why_not(spec.capability, job)
            if reason is not None:
                return reason
        return spec.available(job) if spec.available is not None else None

    def action_method(self, spec: ActionSpec) -> Callable[..., Awaitable[object]]:
        """The method that does ``spec``; Unsupported when the adapter has none."""
        # Only an action's own method: a spec named after another part of the
        # contract (close, list_jobs …) must never call it.
        method = None
        if spec.name in STANDARD_NAMES or not hasattr(Adapter, spec.name):
            method = getattr(self, spec.name, None)
        if not callable(method):
            raise Unsupported(f"{self.kind} backends declare {spec.name} but cannot do it")
        return method

    # -- reading ----------------------------------------------------------

    @abstractmethod
    async def list_jobs(self) -> list[Job]:
        """Every job the backend shows, archived ones included (with ``archived=True``)."""

    async def get_job(self, job_id: str) -> Job:
        for job in await self.list_jobs():
            if job.id == job_id:
                return job
        raise NotFound(f"no job {job_id!r} on {self.name}")

    async def list_runs(self, job_id: str) -> list[Run]:
        """The job's executions, newest first. Default: the job is its only run."""
        job = await self.get_job(job_id)
        return [
            Run(
                job=job.ref,
                id=job.id,
                state=job.state,
                raw_state=job.raw_state,
                started=job.started,
                ended=job.ended,
                counts=job.counts,
                progress=job.progress,
                error=job.error,
            )
        ]

    async def runs_page(self, job_id: str, page: int = 0) -> RunPage:
        """Page ``page`` (from 0) of the job's runs, newest first.

        Default: ``list_runs`` is the one and only page; later pages are empty.
        Backends that page their runs (Intuned) override this.
        """
        if page > 0:
            return RunPage(runs=[], page=page, pages=1)
        runs = await self.list_runs(job_id)
        return RunPage(runs=runs, page=0, pages=1, total=len(runs), page_size=len(runs) or None)

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        """The backend's own status history, oldest first. Default: none kept."""
        return []

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        """The log from ``cursor`` (a byte offset as an int, or a cursor a chunk gave)
        to what is there now; the chunk's ``cursor`` is where to read on from."""
        raise Unsupported(self.why_unsupported(Capability.LOG))

    def log_offset(self, cursor: LogCursor | int) -> int:
        """The byte offset ``cursor`` is, for adapters whose positions are bytes:
        Unsupported for a stream this backend's logs do not have."""
        if isinstance(cursor, int):
            return max(0, cursor)
        if cursor.stream not in self.log_streams:
            raise Unsupported(f"{self.kind} logs have no {cursor.stream} stream (only {', '.join(self.log_streams)})")
        if not isinstance(cursor.position, int):
            raise Unsupported(f"{self.kind} logs are read by byte offset, not from {cursor.position[:40]!r}")
        return cursor.position

    def why_no_log_paging(self) -> str | None:
        """Why the deck cannot open this backend's logs at their tail and page back, or None."""
        return None if self.log_position == "bytes" else self.log_paging_reason

    async def log_tail_offset(self, job_id: str, lines: int, before: int | None = None) -> int:
        """The byte offset where the last ``lines`` lines before byte ``before`` begin
        (before the log's end when None), at a line start.

        Lets the log pane open a huge log at its tail, and page back by offset,
        without reading the whole log. Default: 0, the beginning, for backends
        that cannot seek (file-backed adapters use ``jobdeck.local.logtail``).
        """
        return 0

    async def follow_log(self, job_id: str, cursor: LogCursor | int = 0) -> AsyncIterator[LogChunk]:
        """Chunks of the log from ``cursor`` as they arrive, until the job ends.

        Default: poll ``read_log`` on the adapter's interval. Adapters with a
        live stream override this. Each chunk's ``cursor`` is where to resume.
        """
        cursor = as_log_cursor(cursor)
        while True:
            asked = self.clock.monotonic()
            chunk = await self.read_log(job_id, cursor)
            took = self.clock.monotonic() - asked
            if chunk.text or chunk.notice or chunk.complete:
                yield chunk
            cursor = resume_cursor(cursor, chunk.cursor)
            if chunk.complete:
                return
            await self.clock.sleep(follow_pause(took, self.settings.interval))

    async def changes(self) -> AsyncIterator[Change | None]:
        """Yields whenever the backend pushes a change (capability PUSH): what changed
        (``jobdeck.adapters.changes``) where the backend says, else None or ``Poll()``.

        The monitor applies an ``Upsert`` or ``Gone`` to its job table at once; on
        None or ``Poll()`` it lists jobs at once instead of waiting for the next poll.
        Yield once when the channel has connected (the monitor then counts it live).
        """
        raise Unsupported(self.why_unsupported(Capability.PUSH))
        yield  # pragma: no cover - makes this an async generator

    # -- actions (only ever called through the monitor's gate) ------------

    async def archive(self, job_id: str, reason: str | None = None) -> ActionResult:
        """Archive on the backend; ``reason`` only where ARCHIVE is in ``reason_actions``."""
        raise Unsupported(self.why_unsupported(Capability.ARCHIVE))

    async def restore(self, job_id: str, reason: str | None = None) -> ActionResult:
        """Restore on the backend; ``reason`` only where RESTORE is in ``reason_actions``."""
        raise Unsupported(self.why_unsupported(Capability.RESTORE))

    async def retry(self, job_id: str) -> ActionResult:
        raise Unsupported(self.why_unsupported(Capability.RETRY))

    async def cancel(self, job_id: str) -> ActionResult:
        raise Unsupported(self.why_unsupported(Capability.CANCEL))

    async def pause(self, job_id: str) -> ActionResult:
        """Stop new runs of the job (and pause an active one) until it is resumed."""
        raise Unsupported(self.why_unsupported(Capability.PAUSE))

    async def resume(self, job_id: str) -> ActionResult:
        raise Unsupported(self.why_unsupported(Capability.RESUME))

    def watch_job(self, job_id: str) -> None:
        """List the job ``job_id`` from now on (capability WATCH): for backends that
        cannot list their jobs, only fetch them by id. ValueError for a malformed id."""
        raise Unsupported(self.why_unsupported(Capability.WATCH))

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        """Extra words for the confirmation dialog: what this action will really do here."""
        return None
