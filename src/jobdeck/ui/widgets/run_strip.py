"""The run-history strip: the last runs of a job's name in one line, like a one-row Airflow grid.

Each job of the shown job's name (or of its group: a Julep task's executions, a Slurm array's
tasks) is one run of it, as a nightly job runs again as a new job; the line below counts them as
jobs ("4 jobs of this name"), apart from the runs of the shown job itself that ``[`` and ``]``
choose (a local job's retries, an Airflow run's tries). Each run is its state's glyph and its duration (``✓58s ✗12s ▶1m03s``), the oldest on
the left and the newest on the right; the shown job is in reverse.
When they do not all fit, the oldest give way to ``…``. The line below gives the success
rate (succeeded among the finished runs) and the median and 95th percentile of their
durations, with the arithmetic of ``jobdeck stats`` (``jobdeck.store.run_stats``).

The glyphs differ by state, so the strip reads without colour (NO_COLOR) and in ASCII.
The pane says what to show (``RunStripData``); with nothing to show the widget is hidden.
Each line is a part of its own (``PartsWidget``): a second passing while a run goes draws
the glyph line again, not the line below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive

from jobdeck.clock import as_utc
from jobdeck.model import JobState
from jobdeck.present import state_glyph, truncate
from jobdeck.safe_text import safe_line
from jobdeck.store.run_stats import RunStats, percent, run_seconds
from jobdeck.ui.deck_text import STATE_TONE, duration
from jobdeck.ui.part_lines import Part, PartsWidget

#: The label column, as wide as the run detail's below it ("Duration ").
LABEL_WIDTH = 9


@dataclass(frozen=True)
class StripRun:
    """One run on the strip."""

    state: JobState
    #: When it started (else when it was created), and when it ended.
    begun: datetime | None
    ended: datetime | None
    #: The shown job: drawn in reverse.
    marked: bool = False

    def seconds(self, now: datetime | None) -> float | None:
        """How long it ran: to its end, or, while it runs, to ``now``."""
        if self.state is JobState.RUNNING and self.ended is None and now is not None:
            return run_seconds(self.begun, None, now)
        return run_seconds(self.begun, None, self.ended)


@dataclass(frozen=True)
class RunStripData:
    """What the strip shows: the runs, newest first, or why they could not be read."""

    runs: tuple[StripRun, ...] = ()
    #: Still reading the history (the runs are the shown job alone meanwhile).
    loading: bool = False
    #: Why the history could not be read.
    problem: str | None = None
    #: Whose runs these are, after "N jobs" ("of this name", "of translate-batch").
    alike: str = "of this name"

    def stats(self) -> RunStats:
        stats = RunStats()
        for run in self.runs:
            stats.add(run.state, run_seconds(run.begun, None, run.ended))
        return stats


class RunStrip(PartsWidget):
    """One line of run glyphs with durations, and a line of success rate and percentiles."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "run-strip--label",
        "run-strip--muted",
        "run-strip--ok",
        "run-strip--error",
        "run-strip--active",
        "run-strip--warning",
    }

    DEFAULT_CSS = """
    RunStrip {
        height: auto;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        display: none;
        &.-shown { display: block; }
        & > .run-strip--label { color: $text-muted; }
        & > .run-strip--muted { color: $text-muted; }
        & > .run-strip--ok { color: $success; }
        & > .run-strip--error { color: $error; }
        & > .run-strip--active { color: $accent; }
        & > .run-strip--warning { color: $warning; }
    }
    """

    data: reactive[RunStripData | None] = reactive(None, layout=True)
    #: The time a running run's duration is counted to; it repaints only when one runs.
    now: reactive[datetime | None] = reactive(None, repaint=False)
    ascii: reactive[bool] = reactive(False)

    def watch_data(self, data: RunStripData | None) -> None:
        self.set_class(data is not None, "-shown")

    def watch_now(self) -> None:
        data = self.data
        if data is not None and any(run.state is JobState.RUNNING and run.ended is None for run in data.runs):
            self.redraw_parts()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Two lines, whatever the width it is measured at (it may be measured before a
        # scrollbar takes its cells, and the lines are fitted to the width they are drawn at).
        return 2 if self.data is not None else 0

    def parts(self, width: int) -> list[Part]:
        data = self.data
        if data is None:
            return [Part("none", lambda: Text(""))]
        width = max(LABEL_WIDTH + 8, width or 80)
        strip = Text("History".ljust(LABEL_WIDTH), style=self._style("run-strip--label"), no_wrap=True, end="")
        strip.append_text(self._glyphs(data, width - LABEL_WIDTH))
        room = width - LABEL_WIDTH
        wordings = self._summaries(data)
        said = next((text for text in wordings if cell_len(text) <= room), wordings[-1])
        summary = Text(" " * LABEL_WIDTH, no_wrap=True, end="")
        summary.append(truncate(said, room), style=self._style("run-strip--muted"))
        # Two lines that never wrap (a scrollbar may take cells after this was measured).
        for line in (strip, summary):
            line.no_wrap, line.overflow = True, "ellipsis"
        return [Part(("strip", str(strip)), lambda: strip), Part(("summary", str(summary)), lambda: summary)]

    def _glyphs(self, data: RunStripData, room: int) -> Text:
        """As many runs as fit in ``room`` cells, the newest on the right; where the shown
        job is too far back for that, the runs around it, newer ones cut too."""
        tokens = [self._token(run) for run in data.runs]  # newest first
        marked = next((index for index, run in enumerate(data.runs) if run.marked), 0)
        first = 0
        while first < marked and not _fits(tokens, first, marked, room):
            first += 1
        more = Text("…", style=self._style("run-strip--muted"))  # (ASCII mode draws it "~")
        shown: list[Text] = [more] if first else []
        used = 2 if first else 0
        for index in range(first, len(tokens)):
            token = tokens[index]
            older = index < len(tokens) - 1
            need = token.cell_len + (1 if shown else 0) + (2 if older else 0)
            if used + need > room and index > marked:
                shown.append(more)
                break
            shown.append(token)
            used += token.cell_len + (1 if len(shown) > 1 else 0)
        return Text(" ").join(reversed(shown))

    def _token(self, run: StripRun) -> Text:
        seconds = run.seconds(as_utc(self.now) if self.now is not None else None)
        text = state_glyph(run.state, self.ascii) + (duration(seconds) if seconds is not None else "")
        style = self._style(f"run-strip--{STATE_TONE[run.state]}")
        if run.marked:
            style += Style(reverse=True, bold=True)
        return Text(text, style=style)

    @staticmethod
    def _summaries(data: RunStripData) -> list[str]:
        """What the line under the strip says, from the longest wording to the shortest
        (the first that fits is shown): runs, success rate, p50 and p95."""
        if data.problem is not None:
            return [f"history cannot be read: {safe_line(data.problem)}"]
        stats = data.stats()
        counted = f"{stats.runs} {'job' if stats.runs == 1 else 'jobs'}"
        runs = f"{counted} {data.alike}"
        if data.loading:
            return [f"{runs} · reading the history…"]
        rate = stats.success_rate
        if rate is None:
            return [f"{runs} · none finished"]
        ok = f"{percent(rate)} ok"
        p50, p95 = stats.percentile(50), stats.percentile(95)
        if p50 is None or p95 is None:
            return [f"{runs} · {ok}"]
        p50_text, p95_text = f"p50 {duration(p50)}", f"p95 {duration(p95)}"
        return [
            f"{runs} · {ok} · {p50_text} · {p95_text}",
            f"{runs} · {ok} · {p50_text} {p95_text}",
            f"{counted} · {ok} · {p50_text} · {p95_text}",
            f"{ok} · {p50_text} · {p95_text}",
            f"{ok} · {p50_text} {p95_text}",
        ]

    def _style(self, component: str) -> Style:
        return self.part_style(component)


def _fits(tokens: list[Text], first: int, last: int, room: int) -> bool:
    """Whether runs ``first`` to ``last`` fit in ``room`` cells, with "… " on either side
    that needs one (runs left out there)."""
    width = sum(token.cell_len + 1 for token in tokens[first : last + 1]) - 1
    width += 2 if first else 0
    width += 2 if last < len(tokens) - 1 else 0
    return width <= room
