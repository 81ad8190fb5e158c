"""The deck's action keys (archive, restore, retry, cancel, pause, resume), and ``c``.

Every key that acts on "the selected job" acts on the job under the job
list's cursor: ``JobList.highlighted`` is the one owner of that choice. The
panes show it once the cursor rests (``HighlightSettler``); a key settles
first, so what it acts on is what the panes then show. Whether an action is
available, and why not, is the monitor's gate's answer; a yes in the
confirmation sends the action through the gate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding

from jobdeck.errors import ReadOnlyRefused
from jobdeck.model import Action, Job, JobRef
from jobdeck.ui.widgets.job_list import JobList

if TYPE_CHECKING:
    from textual.screen import Screen

    from jobdeck.ui.deck_host import DeckHost
    from jobdeck.ui.highlight_settling import HighlightSettler
    from jobdeck.ui.screens.confirm import Confirmed

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object

ACTION_VERBS = {
    Action.ARCHIVE: "Archive",
    Action.RESTORE: "Restore",
    Action.RETRY: "Retry",
    Action.CANCEL: "Cancel",
    Action.PAUSE: "Pause",
    Action.RESUME: "Resume",
}

#: Action keys. Pause and resume exist on few backends: `?` lists them, the footer does not.
ACTION_KEYS = {
    Action.ARCHIVE: ("a", True),
    Action.RESTORE: ("u", True),
    Action.RETRY: ("r", True),
    Action.CANCEL: ("x", True),
    Action.PAUSE: ("p", False),
    Action.RESUME: ("P", False),
}


def action_bindings() -> list[Binding]:
    """Each action key twice: the first runs it when allowed (greyed out in the
    footer when not); the hidden second answers the same key with the reason."""
    bindings: list[Binding] = []
    for action, (key, in_footer) in ACTION_KEYS.items():
        verb = ACTION_VERBS[action]
        bindings.append(
            Binding(
                key,
                f"act('{action.value}')",
                verb,
                show=in_footer,
                id=f"deck.{action.value}",
                tooltip=f"{verb} the selected job (asks first)",
            )
        )
        bindings.append(Binding(key, f"explain('{action.value}')", show=False))
    return bindings


class JobActions(_ScreenBase):
    """Mixed into the deck screen: its action keys, ``+`` (watch a job) and ``c``."""

    host: DeckHost
    _settler: HighlightSettler

    def __init__(self) -> None:
        super().__init__()
        #: Whether each of ACTION_KEYS was available when the footer was last told.
        self._available_actions: tuple[bool, ...] = ()

    @property
    def selected_job(self) -> Job | None:
        """The job the keys act on: the one under the job list's cursor."""
        return self.query_one(JobList).highlighted

    def _why_not(self, action: Action) -> str | None:
        job = self.selected_job
        if job is None:
            return "no job is selected"
        return self.host.monitor.why_not(job.ref, action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and parameters:
            # None greys the key out in the footer; the hidden twin binding
            # then answers the key press with the reason.
            return None if self._why_not(Action(str(parameters[0]))) else True
        return True

    def _refresh_action_keys(self) -> None:
        """Tell the footer which action keys are available, when that changed: the
        footer rebuilds all its keys on each refresh (tens of ms), and the
        highlight moves on every filter keystroke and cursor key."""
        available = tuple(self._why_not(action) is None for action in ACTION_KEYS)
        if available != self._available_actions:
            self._available_actions = available
            self.refresh_bindings()

    def action_explain(self, action_name: str) -> None:
        self._settler.settle()
        action = Action(action_name)
        reason = self._why_not(action) or "it is not available"
        self.notify(f"{ACTION_VERBS[action]} is unavailable: {reason}", severity="warning")
        job = self.selected_job
        if self.host.monitor.read_only and job is not None:
            self._refuse_read_only(job.ref, action)

    @work(group="actions", exit_on_error=False)
    async def _refuse_read_only(self, ref: JobRef, action: Action) -> None:
        """Let the gate refuse it: every refusal is in the action log; nothing reaches a backend."""
        try:
            await self.host.monitor.perform(ref, action)
        except ReadOnlyRefused:
            pass  # expected: the toast above said why

    def action_act(self, action_name: str) -> None:
        self._settler.settle()
        action = Action(action_name)
        selected = self.selected_job
        if selected is None or self._why_not(action):
            self.action_explain(action_name)
            return
        ref = selected.ref
        job = self.host.monitor.job(ref)
        name = job.name if job else ref.id
        verb = ACTION_VERBS[action]

        def answered(answer: Confirmed | None) -> None:
            if answer is not None:
                self._perform(ref, action, answer.reason)

        # The dialogs are imported when first needed: the first frame does without them.
        from jobdeck.ui.screens.confirm import ConfirmScreen

        self.app.push_screen(
            ConfirmScreen(
                f"{verb} {name}?",
                self.host.monitor.confirm_text(ref, action),
                confirm_label=verb,
                ask_reason=self.host.monitor.takes_reason(ref, action),
            ),
            answered,
        )

    @work(group="actions", exit_on_error=False)
    async def _perform(self, ref: JobRef, action: Action, reason: str | None = None) -> None:
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
        self.notify(result.message, severity="information" if result.ok else "warning")

    def action_copy_ref(self) -> None:
        self._settler.settle()
        selected = self.selected_job
        if selected is None:
            self.notify("No job is selected", severity="warning", timeout=2)
            return
        self.app.copy_to_clipboard(str(selected.ref))
        self.notify(f"Copied {selected.ref}", timeout=2)
