"""The deck's action keys (archive, restore, retry, cancel, pause, resume, and
those the adapters declare: ``action_keys``), and ``c``.

Every key that acts on "the selected job" acts on the job under the job
list's cursor: ``JobList.highlighted`` is the one owner of that choice. The
panes show it once the cursor rests (``HighlightSettler``); a key settles
first, so what it acts on is what the panes then show. Whether an action is
available, and why not, is the monitor's gate's answer; a yes in the
confirmation sends the action through the gate.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding

from jobdeck.adapters.actions import STANDARD_ACTIONS, ActionSpec, confirm_title
from jobdeck.errors import ReadOnlyRefused
from jobdeck.model import Job, JobRef
from jobdeck.safe_text import safe_line
from jobdeck.ui.screens.action_keys import action_bindings, plan_action_keys
from jobdeck.ui.widgets.job_list import JobList

if TYPE_CHECKING:
    from textual.screen import Screen

    from jobdeck.ui.deck_host import DeckHost
    from jobdeck.ui.widgets.job_list.settling import HighlightSettler
    from jobdeck.ui.screens.confirm import Confirmed

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object

class JobActions(_ScreenBase):
    """Mixed into the deck screen: its action keys, ``+`` (watch a job) and ``c``."""

    host: DeckHost
    _settler: HighlightSettler

    def __init__(self) -> None:
        super().__init__()
        #: Every action with a key, by name: the standard six, then those the adapters add.
        self._action_specs: dict[str, ActionSpec] = {spec.name: spec for spec in STANDARD_ACTIONS}
        #: The bindings of the actions the adapters add (for ``?``, after the standard ones).
        self._added_action_bindings: list[Binding] = []
        #: Whether each action was available when the footer was last told.
        self._available_actions: tuple[bool, ...] = ()

    def _bind_declared_actions(self, taken: dict[str, str]) -> None:
        """Give the actions the backends add a key each, unless ``taken`` (key: what it does)
        or another action has it: those are refused, with a message saying which key and why."""
        plan = plan_action_keys(self.host.monitor.actions(), taken)
        for problem in plan.problems:
            self.notify(problem, title="Action without a key", severity="error", timeout=30)
        if not plan.added:
            return
        self._added_action_bindings = action_bindings(plan.added.values())
        keys = self._bindings.key_to_bindings
        for binding in self._added_action_bindings:
            # A new list: the class's lists are shared by every instance.
            keys[binding.key] = [*keys.get(binding.key, []), binding]
        self._action_specs.update(plan.added)
        self.refresh_bindings()

    def _verb(self, action: str) -> str:
        job = self.selected_job
        if job is not None:
            return self.host.monitor.action_verb(job.ref, action)
        spec = self._action_specs.get(action)
        return spec.verb if spec is not None else action.capitalize()

    @property
    def selected_job(self) -> Job | None:
        """The job the keys act on: the one under the job list's cursor."""
        return self.query_one(JobList).highlighted

    def _why_not(self, action: str) -> str | None:
        job = self.selected_job
        if job is None:
            return "no job is selected"
        return self.host.monitor.why_not(job.ref, action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and parameters:
            # None greys the key out in the footer; the hidden twin binding
            # then answers the key press with the reason.
            return None if self._why_not(str(parameters[0])) else True
        return True

    def _refresh_action_keys(self) -> None:
        """Tell the footer which action keys are available, when that changed: the
        footer rebuilds all its keys on each refresh (tens of ms), and the
        highlight moves on every filter keystroke and cursor key."""
        available = tuple(self._why_not(action) is None for action in self._action_specs)
        if available != self._available_actions:
            self._available_actions = available
            self.refresh_bindings()

    def action_explain(self, action: str) -> None:
        self._settler.settle()
        reason = self._why_not(action) or "it is not available"
        self.notify(f"{self._verb(action)} is unavailable: {reason}", severity="warning")
        job = self.selected_job
        if self.host.monitor.read_only and job is not None:
            self._refuse_read_only(job.ref, action)

    @work(group="actions", exit_on_error=False)
    async def _refuse_read_only(self, ref: JobRef, action: str) -> None:
        """Let the gate refuse it: every refusal is in the action log; nothing reaches a backend."""
        try:
            await self.host.monitor.perform(ref, action)
        except ReadOnlyRefused:
            pass  # expected: the toast above said why

    def action_act(self, action: str) -> None:
        self._settler.settle()
        selected = self.selected_job
        if selected is None or self._why_not(action):
            self.action_explain(action)
            return
        ref = selected.ref
        job = self.host.monitor.job(ref)
        name = job.name if job else ref.id
        verb = self.host.monitor.action_verb(ref, action)

        def answered(answer: Confirmed | None) -> None:
            if answer is not None:
                self._perform(ref, action, answer.reason)

        # The dialogs are imported when first needed: the first frame does without them.
        from jobdeck.ui.screens.confirm import ConfirmScreen

        self.app.push_screen(
            ConfirmScreen(
                confirm_title(self._declared_spec(ref, action), verb, name),
                self.host.monitor.confirm_text(ref, action),
                confirm_label=verb,
                ask_reason=self.host.monitor.takes_reason(ref, action),
            ),
            answered,
        )

    def _declared_spec(self, ref: JobRef, action: str) -> ActionSpec | None:
        """``action`` as ``ref``'s backend declares it."""
        return next((spec for backend, spec in self.host.monitor.actions() if backend == ref.backend
                     and spec.name == action), None)

    @work(group="actions", exit_on_error=False)
    async def _perform(self, ref: JobRef, action: str, reason: str | None = None) -> None:
        try:
            result = await self.host.monitor.perform(ref, action, reason=reason)
        except ReadOnlyRefused as exc:
            self.notify(f"Refused: {exc}", severity="warning")
            return
        # The outcome itself arrives as an ActionDone event and is shown there.
        if result.ok:
            self._refresh_action_keys()

    def action_watch_job(self) -> None:
        monitor = self.host.monitor
        backends = monitor.watchable_backends()
        if not backends:
            self.notify("No backend here can watch a job by id (Julep backends can).", severity="warning")
            return
        # The selected job's backend when it can, else the first that can.
        selected = self.selected_job
        backend = selected.ref.backend if selected and selected.ref.backend in backends else backends[0]

        def answered(job_id: str | None) -> None:
            if job_id:
                self._watch_job(backend, job_id)

        from jobdeck.ui.screens.prompt import PromptScreen

        self.app.push_screen(PromptScreen(f"Watch a job on {backend}", placeholder="job id"), answered)

    @work(group="actions", exit_on_error=False)
    async def _watch_job(self, backend: str, job_id: str) -> None:
        result = await self.host.monitor.watch_job(backend, job_id)
        memory = self.host.watch_memory
        if result.ok and memory is not None:
            # (A synced write: not on the UI thread.) Now is when it was first watched.
            await asyncio.to_thread(memory.remember, backend, job_id.strip(), self.host.clock.now())
            self.notify(f"{result.message} (watched again at the next start)")
            return
        self.notify(result.message, severity="information" if result.ok else "warning")

    def on_mount(self) -> None:
        # (After the deck's own on_mount: Textual runs both.)
        if self.host.watch_memory is not None:
            self._watch_remembered()

    @work(group="watch", exit_on_error=False)
    async def _watch_remembered(self) -> None:
        """Watch again the jobs added with + before (``WatchMemory``); say which could not be."""
        memory = self.host.watch_memory
        monitor = self.host.monitor
        watchable = set(monitor.watchable_backends())
        # Not a backend no longer configured (or no longer able to): kept for when it is.
        remembered = await asyncio.to_thread(memory.recall_since) if memory is not None else []
        since = {(b, job_id): when for b, job_id, when in remembered}
        wanted = [(b, job_id) for b, job_id, _ in remembered if b in watchable]
        # At once: each watch asks its backend for a poll, and polls asked together are one.
        # Observed since it was first watched, in an earlier deck, not since this one started.
        results = await asyncio.gather(*(
            monitor.watch_job(backend, job_id, seen_since=since[backend, job_id]) for backend, job_id in wanted
        ))
        failed = [
            f"{job_id} on {backend}: {result.message}"
            for (backend, job_id), result in zip(wanted, results, strict=True)
            if not result.ok
        ]
        if failed:
            self.notify("\n".join(failed), title="Watched jobs not watched again", severity="warning", timeout=10)

    def action_copy_ref(self) -> None:
        self._settler.settle()
        selected = self.selected_job
        if selected is None:
            self.notify("No job is selected", severity="warning", timeout=2)
            return
        self.app.copy_to_clipboard(str(selected.ref))
        # Not markup: the id is the backend's ("[@click=…]" must stay text).
        self.notify(f"Copied {selected.ref}", timeout=2, markup=False)

    def action_open_web_page(self) -> None:
        """``o``: the selected job's page in its backend's web UI, as a link (OSC 8) and
        copied; a browser is never started (the deck may run on a server)."""
        self._settler.settle()
        selected = self.selected_job
        if selected is None:
            self.notify("No job is selected", severity="warning", timeout=2)
            return
        url = self.host.monitor.web_page(selected.ref)
        if url is None:
            backend = safe_line(selected.ref.backend)
            self.notify(f"{backend} has no web page for its jobs that jobdeck knows: set web_url in its "
                        "[[backends]] table", severity="warning", timeout=6, markup=False)
            return
        self.app.copy_to_clipboard(url)
        self.host.notify_link(url, " · copied", title="Web page")
