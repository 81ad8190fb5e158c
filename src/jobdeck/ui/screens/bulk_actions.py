"""Bulk actions: an action key with jobs marked acts on every marked job.

One confirmation says how many jobs on which backends, and which marked jobs
cannot be acted on and why (``bulk_plan``). Then the actions run in a worker,
each through the monitor's gate (so the action log has one entry per job), a
few at a time per backend and the backends side by side: a backend that fails
does not stop the others. A progress window counts them and lists every
failure, one line each (a ``Log``: nothing dropped). Jobs done are unmarked;
those that failed or could not be acted on stay marked, to try again.

Read-only refuses as for one job: the gate refuses each marked job (and logs
it), nothing reaches a backend. The kiosk allows no action key at all.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Log, Static

from jobdeck.errors import ReadOnlyRefused
from jobdeck.model import ActionResult, Job, JobRef
from jobdeck.monitor import ActionDone
from jobdeck.safe_text import safe_line
from jobdeck.ui.screens.bulk_plan import BulkPlan, plan_bulk
from jobdeck.ui.screens.marks import RowMarks

#: Actions run at once on one backend.
PER_BACKEND = 4


class BulkProgressScreen(ModalScreen[None]):
    """How a bulk action goes: done and failed counts, and one line per failure.
    Closing it leaves the actions running; the deck says when they end."""

    DEFAULT_CSS = """
    BulkProgressScreen {
        align: center middle;
    }
    BulkProgressScreen > Vertical {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
    }
    BulkProgressScreen #bulk-title { text-style: bold; }
    BulkProgressScreen #bulk-status { margin-top: 1; }
    BulkProgressScreen Log {
        height: auto;
        max-height: 16;
        margin-top: 1;
        display: none;
        &.-shown { display: block; }
    }
    BulkProgressScreen #bulk-hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="bulk.close")]

    def __init__(self, plan: BulkPlan) -> None:
        super().__init__()
        self._verb = plan.verb
        self._total = len(plan.able)
        self.done = 0
        self.failed = 0
        self.finished = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self._verb}: {self._total} job{'s' if self._total != 1 else ''}", id="bulk-title", markup=False)
            yield Static(self._status(), id="bulk-status", markup=False)
            yield Log(id="bulk-failures")
            yield Static("Esc closes this window; the actions go on", id="bulk-hint", markup=False)

    def _status(self) -> str:
        ended = self.done + self.failed
        status = f"{ended} of {self._total} done" if not self.finished else f"Finished: {self.done} done"
        return status + (f" · {self.failed} failed" if self.failed else "")

    def step(self, job: Job, result: ActionResult) -> None:
        """One job's outcome."""
        if result.ok:
            self.done += 1
        else:
            self.failed += 1
            if self.is_attached:
                log = self.query_one(Log)
                log.add_class("-shown")
                log.write_line(f"✗ {safe_line(job.name)} ({job.ref}): {safe_line(result.message)}")
        self._show_status()

    def finish(self) -> None:
        self.finished = True
        self._show_status()
        if self.is_attached:
            self.query_one("#bulk-hint", Static).update("Esc or Enter closes this window")

    def _show_status(self) -> None:
        if self.is_attached:
            self.query_one("#bulk-status", Static).update(self._status())

    def action_close(self) -> None:
        self.dismiss(None)


class BulkActions(RowMarks):
    """Mixed into the deck screen: an action key with jobs marked acts on all of them."""

    def __init__(self) -> None:
        super().__init__()
        #: (job, action) of bulk actions whose outcome the progress window shows, not a toast.
        self._quiet_outcomes: defaultdict[tuple[JobRef, str], int] = defaultdict(int)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and self._marks:
            return True  # the confirmation says which marked jobs cannot, and why
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_act(self, action: str) -> None:
        if not self._marks:
            super().action_act(action)  # type: ignore[misc]
            return
        monitor = self.host.monitor
        spec = self._action_specs.get(action)  # type: ignore[attr-defined]
        verb = spec.verb if spec is not None else action.capitalize()
        refs = list(self._marks)
        if monitor.read_only:
            self.notify(f"{verb} of {len(refs)} marked jobs is unavailable: read-only mode", severity="warning")
            self._refuse_all(refs, action)
            return
        plan = plan_bulk(refs, action, verb, monitor, spec)
        if not plan.able:
            self.notify(plan.refusal(), severity="warning", timeout=8)
            return

        def answered(answer: object) -> None:
            if answer is not None:
                self._run_bulk(plan)

        from jobdeck.ui.screens.confirm import ConfirmScreen

        self.app.push_screen(
            ConfirmScreen(plan.title, plan.message(), confirm_label=f"{verb} {len(plan.able)}"), answered
        )

    def bulk_owns(self, event: ActionDone) -> bool:
        """Whether ``event`` is a bulk action's outcome (shown in its window, not as a toast)."""
        return self._forget_quiet((event.ref, str(event.action)))

    def _forget_quiet(self, key: tuple[JobRef, str]) -> bool:
        if self._quiet_outcomes.get(key, 0) <= 0:
            return False
        self._quiet_outcomes[key] -= 1
        if not self._quiet_outcomes[key]:
            del self._quiet_outcomes[key]
        return True

    @work(group="bulk", exit_on_error=False)
    async def _refuse_all(self, refs: list[JobRef], action: str) -> None:
        """Let the gate refuse each marked job: every refusal is in the action log."""
        for ref in refs:
            try:
                await self.host.monitor.perform(ref, action)
            except ReadOnlyRefused:
                pass  # expected: the toast said why

    @work(group="bulk", exit_on_error=False)
    async def _run_bulk(self, plan: BulkPlan) -> None:
        progress = BulkProgressScreen(plan)
        await self.app.push_screen(progress)
        by_backend: dict[str, list[Job]] = defaultdict(list)
        for job in plan.able:
            by_backend[job.ref.backend].append(job)
        done: list[JobRef] = []

        async def act(job: Job, limit: asyncio.Semaphore) -> None:
            async with limit:
                self._quiet_outcomes[(job.ref, plan.action)] += 1
                try:
                    result = await self.host.monitor.perform(job.ref, plan.action)
                except Exception as exc:  # the gate logs what it can; one job's failure stops no other
                    self._forget_quiet((job.ref, plan.action))
                    result = ActionResult(ok=False, message=f"{type(exc).__name__}: {exc}")
            if result.ok:
                done.append(job.ref)
            progress.step(job, result)

        async def backend(jobs: list[Job]) -> None:
            limit = asyncio.Semaphore(PER_BACKEND)
            await asyncio.gather(*(act(job, limit) for job in jobs))

        await asyncio.gather(*(backend(jobs) for jobs in by_backend.values()))
        progress.finish()
        self.unmark(done)
        self._refresh_action_keys()  # type: ignore[attr-defined]
        if not progress.is_attached:
            failed = f", {progress.failed} failed" if progress.failed else ""
            self.notify(
                f"{plan.verb}: {progress.done} done{failed}",
                severity="warning" if progress.failed else "information",
            )
