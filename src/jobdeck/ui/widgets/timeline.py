"""The status timeline: one row per transition, oldest first.

Each row says when (``HH:MM:SS``, with the date when it was not today), which
state, how long the job had spent in the state before, what the backend said
and who did it. Transitions jobdeck saw itself (the backend keeps no history)
are marked "observed". The last row also says how long the job has been in
its current state.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from jobdeck.clock import as_utc, assume_utc
from jobdeck.model import JobState, StatusEvent
from jobdeck.present import age, state_word, truncate
from jobdeck.safe_text import safe_line
from jobdeck.ui.deck_text import STATE_TONE, duration, state_text, wall_time

#: The component class that colours each state.
STATE_COMPONENT: dict[JobState, str] = {state: f"timeline--{tone}" for state, tone in STATE_TONE.items()}

#: Messages longer than this are cut: the timeline is a summary, the log has the rest.
MAX_MESSAGE = 120


def event_time(moment: datetime, now: datetime | None) -> str:
    """``HH:MM:SS`` in the zone of ``now`` (UTC without one), with the date in front
    when it is not the day of ``now``."""
    if now is None:
        return wall_time(moment)
    now = assume_utc(now)
    local = assume_utc(moment).astimezone(now.tzinfo)
    return f"{local:%H:%M:%S}" if local.date() == now.date() else wall_time(moment, now.tzinfo)


def time_in_previous_state(events: list[StatusEvent], index: int) -> str | None:
    """How long the job spent in the state before event ``index``: "after 12s in running"."""
    if index == 0:
        return None
    previous, current = events[index - 1], events[index]
    spent = (as_utc(current.at) - as_utc(previous.at)).total_seconds()
    return f"after {duration(spent)} in {state_word(previous.state)}"


class Timeline(Widget):
    """A job's status history, from the backend or observed by jobdeck."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--time",
        "timeline--muted",
        "timeline--observed",
        "timeline--current",
        "timeline--ok",
        "timeline--error",
        "timeline--active",
        "timeline--warning",
    }

    DEFAULT_CSS = """
    Timeline {
        height: auto;
        padding: 0 1;
        & > .timeline--time { color: $text-muted; }
        & > .timeline--muted { color: $text-muted; }
        & > .timeline--observed { color: $text-muted; text-style: italic; }
        & > .timeline--current { text-style: bold; }
        & > .timeline--ok { color: $success; }
        & > .timeline--error { color: $error; }
        & > .timeline--active { color: $accent; }
        & > .timeline--warning { color: $warning; }
    }
    """

    events: reactive[list[StatusEvent]] = reactive(list, layout=True, always_update=True)
    #: The time ages are measured to; the pane repaints only when a text it shows moves.
    now: reactive[datetime | None] = reactive(None, repaint=False)
    ascii: reactive[bool] = reactive(False)

    def watch_now(self, old: datetime | None, new: datetime | None) -> None:
        # Set once a second: repainting the whole table each time costs idle CPU.
        if self._times_shown(old) != self._times_shown(new):
            self.refresh()

    def _times_shown(self, now: datetime | None) -> tuple[str, ...]:
        """Every text of the pane that depends on ``now``."""
        if not self.events:
            return ()
        last = max(self.events, key=lambda event: as_utc(event.at))
        since = age(as_utc(last.at), as_utc(now)) if now is not None else ""
        return (since, *(event_time(event.at, now) for event in self.events))

    def render(self) -> RenderableType:
        # Oldest first, whatever order they came in (sorted() is stable for ties).
        events = sorted(self.events, key=lambda event: as_utc(event.at))
        if not events:
            return Text("No status history yet", style=self._style("timeline--muted"))
        # Two lines per transition: what happened and when on the first, what
        # the backend said on an indented second, so a narrow pane stays legible.
        table = Table.grid(padding=(0, 1))
        table.add_column(style=self._style("timeline--time"), no_wrap=True)
        table.add_column(overflow="fold")
        for index, event in enumerate(events):
            headline = state_text(event.state, event.raw_state, ascii=self.ascii, style=self._state_style(event.state))
            summary = self._summary(events, index)
            if summary:
                headline = Text.assemble(headline, "  ", summary)
            table.add_row(event_time(event.at, self.now), headline)
            notes = self._notes(event)
            if notes:
                table.add_row("", notes)
        return table

    def _summary(self, events: list[StatusEvent], index: int) -> Text:
        """Time spent in the state before, and for the last event, time in this one."""
        muted = self._style("timeline--muted")
        parts: list[Text] = []
        after = time_in_previous_state(events, index)
        if after:
            parts.append(Text(after, style=muted))
        if index == len(events) - 1 and self.now is not None:
            since = age(as_utc(events[index].at), as_utc(self.now))
            parts.append(Text("just now" if since == "now" else f"for {since}", style=self._style("timeline--current")))
        return Text(" · ").join(parts)

    def _notes(self, event: StatusEvent) -> Text:
        """What the backend said, who did it, and whether jobdeck only observed it."""
        muted = self._style("timeline--muted")
        parts: list[Text] = []
        message = safe_line(event.message)
        if message:
            parts.append(Text(truncate(message, MAX_MESSAGE)))
        actor = safe_line(event.actor)
        if actor:
            parts.append(Text(f"by {truncate(actor, 40)}", style=muted))
        if event.observed:
            parts.append(Text("observed", style=self._style("timeline--observed")))
        return Text(" · ").join(parts)

    def _state_style(self, state: JobState) -> Style:
        return self._style(STATE_COMPONENT[state])

    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component, partial=True)
