"""One job of the history (enter in the history view): when jobdeck first and last saw
it, its transitions, and the last part of its log kept in the history, read in a worker.
Everything shown came from a backend: it is made safe for the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from jobdeck import present
from jobdeck.safe_text import safe_line, to_plain

if TYPE_CHECKING:
    from jobdeck.model import StatusEvent
    from jobdeck.store.sqlite import HistoryReader
    from jobdeck.store.sqlite.history_pages import HistoryEntry
    from jobdeck.store.sqlite.log_tails import KeptLogTail

#: Lines of the kept log tail shown (its last ones).
TAIL_LINES = 200
#: Seconds between two readings of the job's row while it is shown (it may still change):
#: its transitions and kept tail are read again, and the screen drawn again, only when the
#: row changed (or while no tail is kept yet: it is kept when the job has finished).
REREAD_SECONDS = 5.0


class HistoryJobScreen(ModalScreen[None]):
    """A history job's transitions and kept log tail; esc goes back to the list."""

    DEFAULT_CSS = """
    HistoryJobScreen { align: center middle; }
    HistoryJobScreen > VerticalScroll {
        width: 100%;
        max-width: 110;
        height: 100%;
        max-height: 40;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    HistoryJobScreen .history-job--section { text-style: bold underline; margin-top: 1; }
    HistoryJobScreen #history-job-tail { color: $foreground; }
    """

    BINDINGS = [Binding("escape,q,enter", "dismiss", "Back", id="history_job.close")]

    def __init__(self, reader: HistoryReader, path: Path, entry: HistoryEntry) -> None:
        super().__init__()
        self._reader = reader
        self._path = path
        self._entry = entry
        #: What the last reading found (the worker's alone): the row, transitions and tail.
        self._read_entry: HistoryEntry | None = None
        self._read_tail: KeptLogTail | None = None

    @property
    def _zone(self):  # type: ignore[no-untyped-def]
        return getattr(self.app, "time_zone", None)

    def _when(self, moment: object) -> str:
        if moment is None:
            return present.MISSING
        return moment.astimezone(self._zone).strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        job = self._entry.job
        with VerticalScroll() as scroll:
            scroll.border_title = safe_line(f"{job.ref.backend}/{job.ref.id}")
            scroll.border_subtitle = "Esc to go back"
            yield Static(self._facts(self._entry), id="history-job-facts")
            yield Static("Transitions", classes="history-job--section")
            yield Static("reading…", id="history-job-transitions")
            yield Static("Kept log tail", classes="history-job--section")
            yield Static("reading…", id="history-job-tail", markup=False)

    def _facts(self, entry: HistoryEntry) -> Text:
        job = entry.job
        ascii = bool(getattr(self.app, "ascii", False))
        facts = Text()
        facts.append(safe_line(present.one_line(job.name)), style="bold")
        facts.append(f"\n{present.state_glyph(job.state, ascii)} {present.state_word(job.state)}")
        if job.raw_state:
            facts.append(f" ({safe_line(present.one_line(job.raw_state))})")
        gone = f"gone from {safe_line(job.ref.backend)} since {self._when(job.gone_since)}" if job.gone_since else "still listed"
        archived = " · archived" if job.archived else ""
        facts.append(f"\nfirst seen {self._when(entry.first_seen)} · last seen {self._when(entry.last_seen)} · {gone}{archived}")
        if job.error:
            facts.append(f"\nerror: {safe_line(present.one_line(job.error))}")
        return facts

    def on_mount(self) -> None:
        self._read()
        self.set_interval(REREAD_SECONDS, self._read)

    @work(thread=True, exclusive=True, group="history-job", exit_on_error=False)
    def _read(self) -> None:
        """The job's row read again (a job that changes while shown); its transitions and
        kept tail with it when it changed, and only what changed is shown again."""
        import sqlite3

        from jobdeck.store.sqlite.log_tails import kept_log_tail

        first = self._read_entry is None
        try:
            entry = self._reader.entries([self._entry.key]).get(self._entry.key, self._entry)
            changed = first or entry != self._read_entry
            if not changed and self._read_tail is not None:
                return
            events = self._reader.transitions_of(entry) if changed else None
        except sqlite3.Error as problem:
            entry, events, changed = self._entry, None, True
            self.app.call_from_thread(self._say, "#history-job-transitions", f"cannot be read: {problem}")
        tail = kept_log_tail(self._path, entry.job.ref)
        new_tail = first or tail != self._read_tail
        if not changed and not new_tail:
            return
        self._read_entry, self._read_tail = entry, tail
        self.app.call_from_thread(self._shown, entry, events, tail, tail_changed=new_tail)

    def _say(self, selector: str, text: str) -> None:
        self.query_one(selector, Static).update(Text(safe_line(text)))

    def _shown(
        self, entry: HistoryEntry, events: list[StatusEvent] | None, tail: KeptLogTail | None, *, tail_changed: bool
    ) -> None:
        """Show what changed: the row, its transitions (None: unchanged or unreadable), its kept tail."""
        if entry != self._entry:
            self._entry = entry
            self.query_one("#history-job-facts", Static).update(self._facts(entry))
        if events is not None:
            ascii = bool(getattr(self.app, "ascii", False))
            text = Text()
            for number, event in enumerate(events):
                raw = f"  ({safe_line(present.one_line(event.raw_state))})" if event.raw_state else ""
                text.append(("\n" if number else "") + f"{self._when(event.at)}  "
                            f"{present.state_glyph(event.state, ascii)} {present.state_word(event.state)}{raw}")
            self.query_one("#history-job-transitions", Static).update(text if events else Text("none recorded"))
        if not tail_changed:
            return
        if tail is None:
            self._say("#history-job-tail", "none kept (the history keeps the log of jobs that finished while jobdeck watched)")
            return
        lines = tail.text.splitlines()[-TAIL_LINES:]
        kept = f"kept {self._when(tail.kept_at)}; its last {len(lines)} lines:\n"
        self.query_one("#history-job-tail", Static).update(Text(kept + "\n".join(to_plain(line) for line in lines)))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
