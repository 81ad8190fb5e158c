"""The run detail's group rows: the group a job is in (a Julep task, a Slurm
array, a Celery task name, an Airflow DAG) and how many of its jobs are in each
state; where the backend tells them, its latest jobs as a strip of state glyphs
(Airflow's grid in one line, newest on the right, the glyphs of the run-history
strip) and a line of rates: ``92% ok · 3 retries · 12/min over 5m``.

``RunDetail`` draws them among the job's own rows, after its counts and
progress, only for a job with a group. Names come from a backend, so they
pass through ``safe_line``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.text import Text

from jobdeck.model import Counts, JobGroup, JobState, StateCounts
from jobdeck.present import state_glyph, state_word
from jobdeck.safe_text import safe_line
from jobdeck.store.run_stats import RunStats, percent
from jobdeck.ui.deck_text import STATE_TONE

#: The order states are told in: how they ended (as the bar draws them), then what is still going on.
TALLY_ORDER: tuple[JobState, ...] = (
    JobState.SUCCEEDED,
    JobState.FAILED,
    JobState.CANCELED,
    JobState.RUNNING,
    JobState.PAUSED,
    JobState.PENDING,
    JobState.UNKNOWN,
)
#: Between two states of the tally.
TALLY_GAP = "  "

#: A component class of RunDetail → its style.
StyleOf = Callable[[str], Style]


def group_rows(
    group: JobGroup, *, ascii: bool, style: StyleOf, counts_line: Callable[[Counts], RenderableType]
) -> Iterator[tuple[str, RenderableType]]:
    """Rows of the run detail's table: the group's name (and what its counts are
    over), then its success and failure counts as a bar, then its jobs by state."""
    name = Text(safe_line(group.name) or safe_line(group.key), style=style("run-detail--title"))
    if group.scope:
        name.append(f" · {safe_line(group.scope)}", style=style("run-detail--muted"))
    yield "Group", name
    if group.counts is not None:
        yield "", counts_line(group.counts.as_counts())
        yield "", StateTally(tally_items(group.counts, ascii=ascii, style=style))
    if group.recent:
        yield "Recent", RecentStrip(recent_glyphs(group.recent, ascii=ascii, style=style),
                                    style=style("run-detail--muted"), ascii=ascii)
    rates = rate_words(group, ascii=ascii)
    if rates:
        yield "", Text(rates, style=style("run-detail--muted"))


def rate_words(group: JobGroup, *, ascii: bool) -> str:
    """``92% ok · 3 retries · 12/min over 5m``: what of it the backend tells.

    The share is of the ended jobs that succeeded (canceled ones count as not ok), told as
    the run-history strip tells its success rate (``RunStats``, to the nearest percent); a
    group with no ended job has none. A group with
    counts alone (a Slurm array, a Julep task) has no such line: its bar says it."""
    if group.retries is None and group.per_minute is None and not group.recent:
        return ""
    dot = " - " if ascii else " · "
    words = []
    counts = group.counts
    if counts is not None:
        rate = RunStats.ended(
            counts.count(JobState.SUCCEEDED), counts.count(JobState.FAILED), counts.count(JobState.CANCELED)
        ).success_rate
        if rate is not None:
            words.append(f"{percent(rate)} ok")
    if group.retries is not None:
        words.append(f"{group.retries} {'retry' if group.retries == 1 else 'retries'}")
    if group.per_minute is not None:
        rate = f"{group.per_minute:.1f}".removesuffix(".0") + "/min"
        if group.rate_window_s:
            rate += f" over {_span(group.rate_window_s)}"
        words.append(rate)
    return dot.join(words)


def _span(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    if minutes and not rest:
        return f"{minutes}m" if minutes < 60 or minutes % 60 else f"{minutes // 60}h"
    return f"{round(seconds)}s"


def recent_glyphs(states: tuple[JobState, ...], *, ascii: bool, style: StyleOf) -> list[Text]:
    """One glyph per job, oldest first, coloured like its state (the glyphs differ without colour)."""
    return [Text(state_glyph(state, ascii), style=style(f"run-detail--{STATE_TONE[state]}")) for state in states]


class RecentStrip:
    """The latest jobs' glyphs on one line; when they do not all fit, the oldest give way to ``…``."""

    def __init__(self, glyphs: list[Text], *, style: Style, ascii: bool) -> None:
        self.glyphs = glyphs
        self.style = style
        self.more = "..." if ascii else "…"

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(len(self.glyphs), len(self.more) + 1), len(self.glyphs))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width)
        glyphs = self.glyphs
        line = Text()
        if len(glyphs) > width:
            keep = max(0, width - len(self.more))
            line.append(self.more, style=self.style)
            glyphs = glyphs[len(glyphs) - keep:] if keep else []
        for glyph in glyphs:
            line.append_text(glyph)
        yield line


def tally_items(counts: StateCounts, *, ascii: bool, style: StyleOf) -> list[Text]:
    """One text per state with jobs in it: ``✓ 12 succeeded``, coloured like the state."""
    return [
        Text(f"{state_glyph(state, ascii)} {counts.count(state)} {state_word(state)}",
             style=style(f"run-detail--{STATE_TONE[state]}"))
        for state in TALLY_ORDER
        if counts.count(state)
    ]


class StateTally:
    """The states of a tally on as many lines as the width needs, broken only
    between two states, so a count never stands on one line and its word on the next."""

    def __init__(self, items: list[Text]) -> None:
        self.items = items

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = [item.cell_len for item in self.items] or [0]
        return Measurement(max(widths), sum(widths) + len(TALLY_GAP) * (len(widths) - 1))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width)
        lines = [Text()]
        for item in self.items:
            line = lines[-1]
            if line and line.cell_len + len(TALLY_GAP) + item.cell_len > width:
                lines.append(line := Text())
            if line:
                line.append(TALLY_GAP)
            line.append_text(item)
        for line in lines:
            line.truncate(width, overflow="ellipsis")
            yield line
