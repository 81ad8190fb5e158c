"""The monitor: the one small facade the UI and the CLI use. Pure asyncio; the UI
and the CLI are its listeners.

It puts together, and passes each call to, the parts that do the work:

- ``scheduler``: one poll loop (and push channel) per backend, health, backoff;
- ``job_table``: the jobs, diffed poll by poll, first sightings, observed history,
  jobdeck's archive marks;
- ``reads``: runs, logs and timelines passed to the adapters (errors, log-follow retries);
- ``gate``: the action gate (read-only, archive routing, the action log).

What jobdeck keeps of its own (its archive, the action log, the observed history,
each poll's diff) is the store's (``jobdeck.store.Store``), handed in by ``wiring``.

PUBLIC API (the UI and CLI rely on exactly this; keep it stable):

    Monitor(adapters, *, clock, store, read_only=False, rng=None)
    monitor.read_only -> bool
    monitor.add_listener(fn: Callable[[MonitorEvent], None]) -> Callable[[], None]  # returns unsubscribe
    await monitor.run()            # runs every backend's loop until stop() or cancellation
    await monitor.stop()
    await monitor.refresh(backend: str | None = None)   # poll now, nothing from caches (all backends when None)
    await monitor.poll_once()      # one poll of every backend, no loop (CLI `ls`, tests)
    monitor.jobs() -> list[Job]    # every known job, jobdeck-archive overlay applied
    monitor.job(ref) -> Job | None
    monitor.health() -> dict[str, BackendHealth]   # by backend name, in config order
    monitor.backends() -> list[str]                # names, in config order
    monitor.describe(backend) -> dict[str, str]    # adapter.describe()
    await monitor.runs(ref) -> list[Run]
    await monitor.timeline(ref) -> list[StatusEvent]   # backend history merged with observed, oldest first
    await monitor.read_log(ref, cursor=0) -> LogChunk   # from a chunk's cursor (or a byte offset)
    monitor.follow_log(ref, cursor=0) -> AsyncIterator[LogChunk]
    monitor.why_not(ref, action) -> str | None     # None = allowed; else the reason (read-only included)
    monitor.confirm_text(ref, action) -> str       # what will happen, naming the job and its backend
    await monitor.perform(ref, action) -> ActionResult   # the gate; raises ReadOnlyRefused in read-only

Also available (additions, not relied on by the contract above):

    monitor.warnings() -> list[str]   # the store's: e.g. jobdeck's archive was corrupt and set aside
    await monitor.first_polls()       # returns once every backend has had its first attempt
    monitor.takes_reason(ref, action) -> bool   # the backend records an optional reason for it
    monitor.actions() -> list[(backend, ActionSpec)]   # the actions each backend declares (keys, verbs)
    monitor.action_verb(ref, action) -> str     # the verb ref's backend gives the action
    monitor.watchable_backends() -> list[str]   # backends that can add a job by id (WATCH)
    await monitor.watch_job(backend, job_id) -> ActionResult   # list that job from now on
    await monitor.perform(ref, action, reason="...")   # the reason reaches such backends
    await monitor.log_tail_offset(ref, lines, before=None) -> int
        # where the last `lines` lines begin (0 = from the start); never raises
    await monitor.read_log_between(ref, start, end) -> str   # an earlier window of a log
    monitor.log_paging_unavailable(ref) -> str | None   # why not: the log's cursors are not bytes
    await monitor.runs_page(ref, page=0) -> RunPage
        # page `page` (from 0) of the job's runs, newest first; AdapterError on failure

Behaviour worth knowing:

- ``refresh`` and ``poll_once`` return once a poll that *started after the
  call* has finished (while ``run()`` is active they wake the backend's loop;
  otherwise they poll directly). They never raise because a backend fails.
- ``HealthChanged`` is emitted when the health differs from the last one
  reported, ignoring ``last_ok`` alone (it moves on every successful poll;
  read ``health()`` for it), so an idle deck emits nothing.
- ``TimelineChanged`` is emitted for a state change of a job already known; a
  job's first sighting is recorded too but announced by ``JobsChanged.added``.
- A job its backend no longer lists (or pushes as ``Gone``) stays in ``jobs()``,
  marked ``gone_since``, announced in ``JobsChanged.changed``; it is unmarked if
  listed again, and leaves ``live_keep`` after it went (then in ``JobsChanged.removed``).
  The gate refuses actions on it, except in jobdeck's own archive.
- A push channel counts as connected (``pushing=True``) from its first yield,
  so push adapters should yield once when the channel has connected (not
  before). While a broken channel is reconnected, ``push_error`` says why.
- What each health state means, and when it changes: ``jobdeck.monitor.health``.
  A poll that has not answered within ``answer_deadline`` makes its backend
  "not answering" (down if it never worked, else degraded) while it goes on.
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

from jobdeck.adapters.actions import ActionSpec
from jobdeck.adapters.base import Adapter
from jobdeck.clock import Clock
from jobdeck.errors import AdapterError
from jobdeck.log_cursor import STDOUT, LogCursor
from jobdeck.model import ActionResult, Capability, Job, JobRef, LogChunk, Run, RunPage, StatusEvent
from jobdeck.monitor.events import BackendHealth, MonitorEvent
from jobdeck.monitor.gate import ActionGate
from jobdeck.monitor.health import describe_error
from jobdeck.monitor.job_table import DEFAULT_LIVE_KEEP, JobTable
from jobdeck.monitor.log_tails import LogTailKeeper
from jobdeck.monitor.reads import Reads
from jobdeck.monitor.scheduler import Scheduler
from jobdeck.store.base import Store

log = logging.getLogger(__name__)

Listener = Callable[[MonitorEvent], None]

#: Seconds ``stop`` waits for the log tails being read (a one-shot command's last poll finished jobs).
LOG_TAILS_DRAIN_TIMEOUT = 5.0


class Monitor:
    """Polls every backend, keeps what it learnt, and gates every action."""

    def __init__(
        self,
        adapters: Sequence[Adapter],
        *,
        clock: Clock,
        store: Store,
        read_only: bool = False,
        rng: random.Random | None = None,
        push_delay: float = 0.0,
        live_keep: timedelta = DEFAULT_LIVE_KEEP,
        log_tail_bytes: int = 0,
    ) -> None:
        """``push_delay``: seconds between a backend's first poll and opening its push
        channel (see ``Scheduler``). ``live_keep``: how long a job gone from its backend
        stays in the table, marked gone (see ``JobTable``). ``log_tail_bytes``: the most of
        a finished job's log handed to the store (0: none; see ``LogTailKeeper``)."""
        self._adapters: dict[str, Adapter] = {}
        for adapter in adapters:
            if adapter.name in self._adapters:
                raise ValueError(f"two backends are named {adapter.name!r}")
            self._adapters[adapter.name] = adapter
        self._store = store
        self._listeners: list[Listener] = []
        rng = rng or random.Random()
        self._table = JobTable(self._adapters, store=store, clock=clock, emit=self._emit, live_keep=live_keep)
        # A run cancelled (the deck quits) gives up the log tails being read before the adapters close.
        self._scheduler = Scheduler(
            self._adapters.values(),
            table=self._table,
            clock=clock,
            rng=rng,
            push_delay=push_delay,
            emit=self._emit,
            before_close=lambda: self._tails.drain(0),
        )
        self._reads = Reads(self._adapters, table=self._table, clock=clock, rng=rng)
        self._tails = LogTailKeeper(
            self._adapters,
            reads=self._reads,
            store=store,
            clock=clock,
            job_of=self._table.raw_job,
            max_bytes=log_tail_bytes,
        )
        if log_tail_bytes > 0:
            self._listeners.append(self._tails.on_event)
        self._gate = ActionGate(
            self._adapters,
            table=self._table,
            store=store,
            clock=clock,
            read_only=read_only,
            emit=self._emit,
            refresh=self._scheduler.refresh,
        )

    # -- state the UI reads ---------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether the gate refuses every action (the one owner of read-only mode)."""
        return self._gate.read_only

    def backends(self) -> list[str]:
        return list(self._adapters)

    def health(self) -> dict[str, BackendHealth]:
        return self._scheduler.health()

    def describe(self, backend: str) -> dict[str, str]:
        adapter = self._adapter(backend)
        try:
            return adapter.describe()
        except Exception as exc:  # a describe bug must not break `jobdeck info`
            log.exception("describe() failed in the %s adapter", adapter.kind)
            return {"kind": adapter.kind, "error": f"internal error in {adapter.kind} adapter: {exc}"}

    def jobs(self) -> list[Job]:
        return self._table.jobs()

    def job(self, ref: JobRef) -> Job | None:
        return self._table.job(ref)

    def web_page(self, ref: JobRef) -> str | None:
        """The job's page in its backend's own web UI (``Adapter.web_page``), or None."""
        adapter, job = self._adapters.get(ref.backend), self._table.job(ref)
        if adapter is None or job is None:
            return None
        try:
            url = adapter.web_page(job)
        except Exception:  # a bug in the adapter: no page, not a broken deck
            log.exception("web_page() failed in the %s adapter", adapter.kind)
            return None
        return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None

    def warnings(self) -> list[str]:
        return self._store.warnings()

    # -- listeners ----------------------------------------------------------------

    def add_listener(self, fn: Listener) -> Callable[[], None]:
        self._listeners.append(fn)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(fn)

        return unsubscribe

    def _emit(self, event: MonitorEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a monitor listener failed on %s", type(event).__name__)

    # -- life cycle -----------------------------------------------------------------

    async def run(self) -> None:
        """Run every backend's loop until ``stop()`` or cancellation, then close the adapters."""
        await self._scheduler.run()

    async def stop(self) -> None:
        """Stop ``run()`` and wait until it has closed the adapters (or just close them),
        then close the store (what it has pending is kept). Log tails being read are
        waited for a moment first (the adapters are still open)."""
        try:
            try:
                await self._tails.drain(LOG_TAILS_DRAIN_TIMEOUT)
            finally:
                await self._scheduler.stop()
        finally:
            self._store.close()

    async def refresh(self, backend: str | None = None) -> None:
        """Poll now, nothing from caches; return when a poll started after this call has finished."""
        if backend is not None:
            self._adapter(backend)  # KeyError naming the backends
        await self._scheduler.refresh(backend)

    async def first_polls(self) -> None:
        """Return once every backend has finished its first attempt (listed, or failed to)."""
        await self._scheduler.first_polls()

    async def poll_once(self) -> None:
        """One poll of every backend, concurrently, opening adapters as needed."""
        await self._scheduler.refresh(None)

    # -- reading through the monitor ------------------------------------------------

    async def runs(self, ref: JobRef) -> list[Run]:
        return await self._reads.runs(ref)

    async def runs_page(self, ref: JobRef, page: int = 0) -> RunPage:
        """Page ``page`` (from 0) of the job's runs, newest first; errors are AdapterErrors."""
        return await self._reads.runs_page(ref, page)

    async def read_log(self, ref: JobRef, cursor: LogCursor | int = 0) -> LogChunk:
        return await self._reads.read_log(ref, cursor)

    def log_streams(self, ref: JobRef) -> tuple[str, ...]:
        """The log streams ``ref``'s backend keeps apart (``Adapter.log_streams``): stdout, and
        stderr where it has one of its own."""
        adapter = self._adapters.get(ref.backend)
        return tuple(adapter.log_streams) if adapter is not None else (STDOUT,)

    def log_paging_unavailable(self, ref: JobRef) -> str | None:
        """Why the job's log cannot be opened at its tail and paged back (its backend's
        cursors are not byte offsets), or None."""
        return self._reads.log_paging_unavailable(ref)

    async def read_log_between(self, ref: JobRef, start: int, end: int) -> str:
        """The log's text from byte ``start`` to byte ``end`` (an earlier window of a long log)."""
        return await self._reads.read_log_between(ref, start, end)

    async def log_tail_offset(self, ref: JobRef, lines: int, before: int | None = None) -> int:
        """Where the last ``lines`` lines of the log (before byte ``before``) begin; 0 when unknown."""
        return await self._reads.log_tail_offset(ref, lines, before)

    async def timeline(self, ref: JobRef) -> list[StatusEvent]:
        """The backend's history merged with what the monitor observed, oldest first."""
        return await self._reads.timeline(ref)

    def follow_log(self, ref: JobRef, cursor: LogCursor | int = 0) -> AsyncIterator[LogChunk]:
        """The log as it grows, resumed after transient errors; ends with a notice chunk
        when the log cannot be followed any more."""
        return self._reads.follow_log(ref, cursor)

    # -- the action gate ------------------------------------------------------------

    def actions(self) -> list[tuple[str, ActionSpec]]:
        """Every backend's declared actions (``Adapter.actions()``), as ``(backend, spec)``."""
        return self._gate.actions()

    def why_not(self, ref: JobRef, action: str) -> str | None:
        """None when ``action`` on ``ref`` is allowed; else the reason (read-only included)."""
        return self._gate.why_not(ref, action)

    def action_verb(self, ref: JobRef, action: str) -> str:
        """The action's verb as ``ref``'s backend declares it ("Archive", "Hold")."""
        return self._gate.verb(ref, action)

    def confirm_text(self, ref: JobRef, action: str) -> str:
        """What will happen, naming the job and its backend."""
        return self._gate.confirm_text(ref, action)

    def takes_reason(self, ref: JobRef, action: str) -> bool:
        """Whether the backend records an optional reason for ``action`` on ``ref``."""
        return self._gate.takes_reason(ref, action)

    async def perform(self, ref: JobRef, action: str, *, reason: str | None = None) -> ActionResult:
        """Do ``action`` (a name its backend declares; ``Action`` for the standard six) on
        ``ref`` if the gate allows it; every outcome is logged.
        Raises ReadOnlyRefused in read-only mode."""
        return await self._gate.perform(ref, action, reason=reason)

    # -- watching a job by id ---------------------------------------------------------

    def watchable_backends(self) -> list[str]:
        return [name for name, adapter in self._adapters.items() if adapter.supports(Capability.WATCH)]

    async def watch_job(self, backend: str, job_id: str, *, seen_since: datetime | None = None) -> ActionResult:
        """Add a job known only by id to what ``backend`` lists, then poll it.

        Not an action on the backend (nothing there changes), so read-only
        mode allows it; it is not persisted here (the deck remembers it). ``seen_since``:
        when an earlier deck first saw it, the time its first observed event is dated.
        """
        adapter = self._adapters.get(backend)
        if adapter is None:
            return ActionResult(ok=False, message=f"no backend named {backend!r}")
        if not adapter.supports(Capability.WATCH):
            return ActionResult(ok=False, message=adapter.why_unsupported(Capability.WATCH))
        job_id = job_id.strip()
        try:
            adapter.watch_job(job_id)
        except ValueError as exc:
            return ActionResult(ok=False, message=f"not a job id for {backend}: {exc}")
        except AdapterError as exc:
            return ActionResult(ok=False, message=describe_error(exc))
        if seen_since is not None:
            self._table.seen_since(backend, job_id, seen_since)
        await self.refresh(backend)
        return ActionResult(ok=True, message=f"watching job {job_id} on {backend}")

    # -- lookups ----------------------------------------------------------------------

    def _adapter(self, name: str) -> Adapter:
        try:
            return self._adapters[name]
        except KeyError:
            raise KeyError(f"no backend named {name!r}; backends: {', '.join(self._adapters)}") from None
