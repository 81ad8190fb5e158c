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

Actions are named (``"archive"``, an engine's ``"hold"``): each backend declares
its own (``Adapter.actions()``, ``jobdeck.adapters.actions.ActionSpec``), and the
gate answers from the spec of the job's backend.

jobdeck's archive and the action log are the store's (``jobdeck.store``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from jobdeck.adapters.actions import STANDARD_ACTIONS, ActionSpec, confirm_question, confirm_words
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
        #: Each backend's declared actions by name, read once from its adapter.
        self._declared: dict[str, dict[str, ActionSpec]] = {}

    @property
    def read_only(self) -> bool:
        """Whether every action is refused: the one place jobdeck's read-only mode is held."""
        return self._read_only

    # -- the actions declared --------------------------------------------------

    def declared(self, backend: str) -> Mapping[str, ActionSpec]:
        """The actions ``backend`` declares, by name (the standard six if its adapter fails to say)."""
        specs = self._declared.get(backend)
        if specs is None:
            adapter = self._adapters.get(backend)
            specs = {} if adapter is None else _declared_by(adapter)
            self._declared[backend] = specs
        return specs

    def actions(self) -> list[tuple[str, ActionSpec]]:
        """Every backend's declared actions, as ``(backend, spec)``, in the backends' order."""
        return [(backend, spec) for backend in self._adapters for spec in self.declared(backend).values()]

    def _spec(self, ref: JobRef, action: str) -> ActionSpec | None:
        return self.declared(ref.backend).get(str(action))

    def _refused_as_read_only(self, ref: JobRef, action: str) -> bool:
        # An action no backend declares counts as mutating: read-only refuses what it cannot vouch for.
        spec = self._spec(ref, action)
        return self._read_only and (spec is None or spec.mutating)

    # -- the gate --------------------------------------------------------------

    def why_not(self, ref: JobRef, action: str) -> str | None:
        """None when ``action`` on ``ref`` is allowed; else the reason (read-only included)."""
        if self._refused_as_read_only(ref, action):
            return READ_ONLY_REASON
        adapter = self._adapters.get(ref.backend)
        raw = self._table.raw_job(ref)
        if adapter is None or raw is None:
            return f"unknown job {ref}"
        if self._uses_jobdeck_archive(adapter, raw, action):
            if action == Action.ARCHIVE:
                return "the job is already archived" if raw.archived or ref in self._archive else None
            if ref in self._archive:
                return None
            return adapter.why_unsupported(Capability.RESTORE) if raw.archived else "the job is not archived"
        spec = self._spec(ref, action)
        if spec is None:
            return f"{adapter.kind} backends cannot do that (another backend's action)"
        if raw.gone_since is not None:
            return GONE_REASON
        try:
            return adapter.why_not_action(spec, self._table.marked(raw))
        except Exception as exc:
            log.exception("why_not_action(%s) failed in the %s adapter", spec.name, adapter.kind)
            return f"the {adapter.kind} adapter could not say: {type(exc).__name__}"

    def verb(self, ref: JobRef, action: str) -> str:
        """The action's verb as ``ref``'s backend declares it (else as another backend does:
        a key bound for one backend's action is pressed on another's job too)."""
        spec = self._spec(ref, action) or next(
            (spec for _, spec in self.actions() if spec.name == str(action)), None
        )
        return spec.verb if spec is not None else str(action).capitalize()

    def confirm_text(self, ref: JobRef, action: str) -> str:
        """What will happen, naming the job and its backend."""
        verb = self.verb(ref, action)
        adapter = self._adapters.get(ref.backend)
        raw = self._table.raw_job(ref)
        if adapter is None or raw is None:
            return f"{verb} job {ref}?"
        spec = self._spec(ref, action)
        parts = [confirm_question(spec, verb, raw, adapter.name)]
        if self._uses_jobdeck_archive(adapter, raw, action):
            parts.append(JOBDECK_ARCHIVE_NOTE)
        elif spec is not None:
            try:
                extra = confirm_words(spec, raw, adapter.name)
                if extra is None and spec.capability is not None:
                    extra = adapter.confirm_text(spec.capability, self._table.marked(raw))
            except Exception:
                log.exception("confirm_text() failed in the %s adapter", adapter.kind)
                extra = None
            if extra:
                parts.append(extra)
        return " ".join(parts)

    def takes_reason(self, ref: JobRef, action: str) -> bool:
        """Whether the backend records an optional reason for ``action`` on ``ref``."""
        adapter = self._adapters.get(ref.backend)
        raw = self._table.raw_job(ref)
        spec = self._spec(ref, action)
        if adapter is None or raw is None or spec is None or self._uses_jobdeck_archive(adapter, raw, action):
            return False
        return spec.takes_reason or spec.capability in adapter.reason_actions

    async def perform(self, ref: JobRef, action: str, *, reason: str | None = None) -> ActionResult:
        """Do ``action`` on ``ref`` if the gate allows it; every outcome is logged.

        Raises ReadOnlyRefused in read-only mode (for every mutating action). ``reason``
        reaches backends that record one (``takes_reason``); others ignore it.
        """
        name = str(action)
        if self._refused_as_read_only(ref, name):
            self._log_action(ref, name, "refused", READ_ONLY_REASON)
            raise ReadOnlyRefused(f"read-only mode: {name} of {ref} refused")
        refusal = self.why_not(ref, name)
        adapter = self._adapters.get(ref.backend)
        raw = self._table.raw_job(ref)
        if refusal is not None or adapter is None or raw is None:
            message = refusal or f"unknown job {ref}"
            return self._finish(ref, name, ActionResult(ok=False, message=message), "refused")
        if self._uses_jobdeck_archive(adapter, raw, name):
            return self._perform_in_jobdeck_archive(ref, name)
        spec = self._spec(ref, name)
        assert spec is not None  # why_not refuses an undeclared action
        outcome: ActionOutcome
        try:
            call = adapter.action_method(spec)
            reason = (reason or "").strip() or None
            if reason is not None and self.takes_reason(ref, name):
                result = await call(ref.id, reason=reason)
            else:
                result = await call(ref.id)
            if not isinstance(result, ActionResult):
                raise TypeError(f"{name}() returned {type(result).__name__}, not an ActionResult")
            outcome = "ok" if result.ok else "failed"
        except Exception as exc:
            error = adapter_failure(adapter, exc, doing=name)
            result = ActionResult(ok=False, message=describe_error(error))
            # The backend said it will not (rather than could not): a refusal, as the gate's are.
            outcome = "refused" if isinstance(error, (ReadOnlyRefused, Unsupported)) else "failed"
        self._finish(ref, name, result, outcome)
        await self._refresh(adapter.name)
        return result

    def _perform_in_jobdeck_archive(self, ref: JobRef, action: str) -> ActionResult:
        try:
            if action == Action.ARCHIVE:
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

    def _finish(self, ref: JobRef, action: str, result: ActionResult, outcome: ActionOutcome) -> ActionResult:
        self._log_action(ref, action, outcome, result.message)
        self._emit(ActionDone(ref=ref, action=_known(action), result=result))
        return result

    def _log_action(self, ref: JobRef, action: str, outcome: ActionOutcome, message: str) -> None:
        self._action_log.append(
            at=self._clock.now(),
            backend=ref.backend,
            job=ref.id,
            action=str(action),
            result=outcome,
            message=message,
        )

    def _uses_jobdeck_archive(self, adapter: Adapter, raw: Job, action: str) -> bool:
        """Whether ``action`` goes to jobdeck's archive rather than the backend."""
        if action == Action.ARCHIVE:
            return not adapter.supports(Capability.ARCHIVE)
        if action == Action.RESTORE:
            # A job jobdeck archived is restored by jobdeck, whatever the backend can do.
            jobdeck_archived = raw.ref in self._archive and not raw.archived
            return jobdeck_archived or not adapter.supports(Capability.RESTORE)
        return False


def _known(action: str) -> str:
    """A standard action as its ``Action`` member (so events compare as they always have)."""
    try:
        return Action(action)
    except ValueError:
        return str(action)


def _declared_by(adapter: Adapter) -> dict[str, ActionSpec]:
    """``adapter.actions()`` by name; a broken or repeated declaration is logged and left out."""
    try:
        declared = tuple(adapter.actions())
    except Exception:
        log.exception("actions() failed in the %s adapter; it has the standard actions only", adapter.kind)
        declared = STANDARD_ACTIONS
    specs: dict[str, ActionSpec] = {}
    for spec in declared:
        if not isinstance(spec, ActionSpec):
            log.error("the %s adapter declares %r, not an ActionSpec; left out", adapter.kind, spec)
        elif spec.name in specs:
            log.error("the %s adapter declares the action %s twice; the first is kept", adapter.kind, spec.name)
        else:
            specs[spec.name] = spec
    return specs
