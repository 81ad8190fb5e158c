"""The monitor: one polling loop per backend, health, diffs, observed history,
and the action gate. Pure asyncio; the UI and the CLI are its listeners.

PUBLIC API (the UI and CLI rely on exactly this; keep it stable):

    Monitor(adapters, *, clock, archive, action_log, read_only=False, rng=None)
    monitor.read_only -> bool
    monitor.add_listener(fn: Callable[[MonitorEvent], None]) -> Callable[[], None]  # returns unsubscribe
    await monitor.run()            # runs every backend's loop until stop() or cancellation
    await monitor.stop()
    await monitor.refresh(backend: str | None = None)   # poll now (all backends when None)
    await monitor.poll_once()      # one poll of every backend, no loop (CLI `ls`, tests)
    monitor.jobs() -> list[Job]    # every known job, jobdeck-archive overlay applied
    monitor.job(ref) -> Job | None
    monitor.health() -> dict[str, BackendHealth]   # by backend name, in config order
    monitor.backends() -> list[str]                # names, in config order
    monitor.describe(backend) -> dict[str, str]    # adapter.describe()
    await monitor.runs(ref) -> list[Run]
    await monitor.timeline(ref) -> list[StatusEvent]   # backend history merged with observed, oldest first
    await monitor.read_log(ref, offset=0) -> LogChunk
    monitor.follow_log(ref, offset=0) -> AsyncIterator[LogChunk]
    monitor.why_not(ref, action) -> str | None     # None = allowed; else the reason (read-only included)
    monitor.confirm_text(ref, action) -> str       # what will happen, naming the job and its backend
    await monitor.perform(ref, action) -> ActionResult   # the gate; raises ReadOnlyRefused in read-only
"""

from __future__ import annotations

class Monitor:  # placeholder until the implementation lands
    pass
