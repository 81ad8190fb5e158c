"""The run detail's group rows: the group a job is in (a Julep task, a Slurm
array, a Celery task name) and how many of its jobs are in each state.

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
