"""The action gate: every change a user asks for (archive, restore, retry, cancel …)
goes through here, and nowhere else.

- **Read-only** is decided here and only here: the gate owns it, and everything
  else that shows the mode (the deck's header, its greyed keys) reads it from here
  (``Monitor.read_only``). A read-only gate refuses every action, whatever asks.
- **Archive routing**: a backend that cannot archive (or restore) has its jobs
  archived in jobdeck's own archive instead; a job jobdeck archived is restored
  by jobdeck, whatever the backend can do.
- **The action log**: every outcome (done, failed, refused, and why) is written
  to it, and announced to the listeners (``ActionDone``).

jobdeck's archive and the action log are the store's (``jobdeck.store``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from jobdeck.adapters.base import Adapter
from jobdeck.clock import Clock
from jobdeck.errors import ReadOnlyRefused, Unsupported
from jobdeck.model import Action, ActionResult, Capability, Job, JobRef
from jobdeck.monitor.events import ActionDone, JobsChanged, MonitorEvent
from jobdeck.monitor.health import adapter_failure, describe_error
from jobdeck.monitor.job_table import JobTable
from jobdeck.store.base import ActionOutcome, Store

log = logging.getLogger(__name__)

JOBDECK_ARCHIVE_NOTE = "(kept in jobdeck's own archive; the backend is not changed)"
#: Why every action is refused in read-only mode.
READ_ONLY_REASON = "read-only mode"
#: Why an action on a job gone from its backend is refused (jobdeck's own archive still works).
GONE_REASON = "the backend no longer lists this job"


class ActionGate:
    """Decides whether an action may be done, routes it, does it, and logs the outcome."""

    def __init__(
        self,
        adapters: Mapping[str, Adapter],
        *,
        table: JobTable,
        store: Store,
        clock: Clock,
        read_only: bool,
        emit: Callable[[MonitorEvent], None],
        refresh: Callable[[str], Awaitable[None]],
    ) -> None:
        self._adapters = adapters
        self._table = table
        self._archive = store.archive
        self._action_log = store.actions
        self._clock = clock
        self._read_only = read_only
        self._emit = emit
        #: Polls a backend now (after an action, so its rows show the outcome).
        self._refresh = refresh

    @property
    def read_only(self) -> bool:
        """Whether every action is refused: the one place jobdeck's read-only mode is held."""
        return self._read_only

    def why_not(self, ref: JobRef, action: Action) -> str | None:
        """None when ``action`` on ``ref`` is allowed; else the reason (read-only included)."""
        if self._read_only:
            return READ_ONLY_REASON
        adapter = self._adapters.get(ref.backend)
        raw = self._table.raw_job(ref)
        if adapter is None or raw is None:
            return f"unknown job {ref}"
        if self._uses_jobdeck_archive(adapter, raw, action):
            if action is Action.ARCHIVE:
                return "the job is already archived" if raw.archived or ref in self._archive else None
            if ref in self._archive:
                return None
            return adapter.why_unsupported(Capability.RESTORE) if raw.archived else "the job is not archived"
        if raw.gone_since is not None:
            return GONE_REASON
        return adapter.why_not(action.capability, self._table.marked(raw))

    def confirm_text(self, ref: JobRef, action: Action) -> str:
        """What will happen, naming the job and its backend."""
        verb = action.value.capitalize()
        adapter = self._adapters.get(ref.backend)
        raw = self._table.raw_job(ref)
        if adapter is None or raw is None:
            return f"{verb} job {ref}?"
        parts = [f"{verb} job “{raw.name}” (id {raw.id}) on backend {adapter.name}?"]
        if self._uses_jobdeck_archive(adapter, raw, action):
            parts.append(JOBDECK_ARCHIVE_NOTE)
        else:
            try:
                extra = adapter.confirm_text(action.capability, self._table.marked(raw))
            except Exception:
                log.exception("confirm_text() failed in the %s adapter", adapter.kind)
                extra = None
            if extra:
                parts.append(extra)
        return " ".join(parts)

    def takes_reason(self, ref: JobRef, action: Action) -> bool:
        """Whether the backend records an optional reason for ``action`` on ``ref``."""
        adapter = self._adapters.get(ref.backend)
        raw = self._table.raw_job(ref)
        if adapter is None or raw is None or self._uses_jobdeck_archive(adapter, raw, action):
            return False
        return action.capability in adapter.reason_actions

    async def perform(self, ref: JobRef, action: Action, *, reason: str | None = None) -> ActionResult:
        """Do ``action`` on ``ref`` if the gate allows it; every outcome is logged.

        Raises ReadOnlyRefused in read-only mode. ``reason`` reaches backends that
        record one (``takes_reason``); others ignore it.
        """
        if self._read_only:
            self._log_action(ref, action, "refused", READ_ONLY_REASON)
            raise ReadOnlyRefused(f"read-only mode: {action.value} of {ref} refused")
        refusal = self.why_not(ref, action)
        adapter = self._adapters.get(ref.backend)
        raw = self._table.raw_job(ref)
        if refusal is not None or adapter is None or raw is None:
            message = refusal or f"unknown job {ref}"
            return self._finish(ref, action, ActionResult(ok=False, message=message), "refused")
        if self._uses_jobdeck_archive(adapter, raw, action):
            return self._perform_in_jobdeck_archive(ref, action)
        outcome: ActionOutcome
        try:
            call = getattr(adapter, action.value)
            reason = (reason or "").strip() or None
            if reason is not None and self.takes_reason(ref, action):
                result = await call(ref.id, reason=reason)
            else:
                result = await call(ref.id)
            if not isinstance(result, ActionResult):
                raise TypeError(f"{action.value}() returned {type(result).__name__}, not an ActionResult")
            outcome = "ok" if result.ok else "failed"
        except Exception as exc:
            error = adapter_failure(adapter, exc, doing=action.value)
            result = ActionResult(ok=False, message=describe_error(error))
            # The backend said it will not (rather than could not): a refusal, as the gate's are.
            outcome = "refused" if isinstance(error, (ReadOnlyRefused, Unsupported)) else "failed"
        self._finish(ref, action, result, outcome)
        await self._refresh(adapter.name)
        return result

    def _perform_in_jobdeck_archive(self, ref: JobRef, action: Action) -> ActionResult:
        try:
            if action is Action.ARCHIVE:
                self._archive.add(ref)
                result = ActionResult(ok=True, message=f"archived {ref} in jobdeck {JOBDECK_ARCHIVE_NOTE}")
            else:
                self._archive.remove(ref)
                result = ActionResult(ok=True, message=f"restored {ref} from jobdeck's archive")
        except OSError as exc:
            result = ActionResult(ok=False, message=f"could not write jobdeck's archive: {exc}")
            return self._finish(ref, action, result, "failed")
        self._finish(ref, action, result, "ok")
        job = self._table.job(ref)
        if job is not None:
            self._emit(JobsChanged(backend=ref.backend, changed=[job]))
        return result

    def _finish(self, ref: JobRef, action: Action, result: ActionResult, outcome: ActionOutcome) -> ActionResult:
        self._log_action(ref, action, outcome, result.message)
        self._emit(ActionDone(ref=ref, action=action, result=result))
        return result

    def _log_action(self, ref: JobRef, action: Action, outcome: ActionOutcome, message: str) -> None:
        self._action_log.append(
            at=self._clock.now(),
            backend=ref.backend,
            job=ref.id,
            action=action.value,
            result=outcome,
            message=message,
        )

    def _uses_jobdeck_archive(self, adapter: Adapter, raw: Job, action: Action) -> bool:
        """Whether ``action`` goes to jobdeck's archive rather than the backend."""
        if action is Action.ARCHIVE:
            return not adapter.supports(Capability.ARCHIVE)
        if action is Action.RESTORE:
            # A job jobdeck archived is restored by jobdeck, whatever the backend can do.
            jobdeck_archived = raw.ref in self._archive and not raw.archived
            return jobdeck_archived or not adapter.supports(Capability.RESTORE)
        return False
