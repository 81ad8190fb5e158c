"""The status timeline: one row per transition, oldest first.

Each row says when (``HH:MM:SS``, with the date when it was not today), which
state, how long the job had spent in the state before, what the backend said
and who did it. Transitions jobdeck saw itself (the backend keeps no history)
are marked "observed". The last row also says how long the job has been in
its current state.

It is drawn in parts (``PartsWidget``): the last transition, whose "for 5s" ticks,
is a part of its own, so a second passing draws that row again and not the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive

from jobdeck.clock import as_utc, assume_utc
from jobdeck.model import JobState, StatusEvent
from jobdeck.present import age, state_word, truncate
from jobdeck.safe_text import safe_line
from jobdeck.ui.deck_text import STATE_TONE, duration, state_text, wall_time
from jobdeck.ui.part_lines import Part, PartsWidget, grid_rows, value_column, widest

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


class Timeline(PartsWidget):
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
    #: The time last set and the texts it showed (``_times_shown``).
    _ticked: tuple[datetime | None, tuple[str, ...]] = (None, ())
    ascii: reactive[bool] = reactive(False)

    #: The rows of all transitions but the last, kept while nothing they show moves.
    _earlier: tuple[list[StatusEvent], object, tuple[list[list[tuple[str, Text]]], int, dict[int, int]]] | None = None

    def watch_now(self, old: datetime | None, new: datetime | None) -> None:
        # Set once a second: repainting the whole table each time costs idle CPU.
        # (The texts at ``old`` are those the last tick read, when it was the last time set.)
        texts = self._times_shown(new)
        ticked, self._ticked = self._ticked, (new, texts)
        if (ticked[1] if ticked[0] is old else self._times_shown(old)) != texts:
            self.redraw_parts()

    def _times_shown(self, now: datetime | None) -> tuple[str, ...]:
        """Every text of the pane that depends on ``now``."""
        if not self.events:
            return ()
        last = max(self.events, key=lambda event: as_utc(event.at))
        since = age(as_utc(last.at), as_utc(now)) if now is not None else ""
        return (since, *(event_time(event.at, now) for event in self.events))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._earlier = None

    def parts(self, width: int) -> list[Part]:
        # Oldest first, whatever order they came in (sorted() is stable for ties).
        events = sorted(self.events, key=lambda event: as_utc(event.at))
        if not events:
            return [Part("none", lambda: Text("No status history yet", style=self._style("timeline--muted")))]
        earlier, time_width, text_width = self._earlier_rows(events, width)
        last = self._rows(events, len(events) - 1)
        # One table drawn in two parts: the time column as wide in both, the text column
        # too (as one table pads its rows to its widest).
        time_width = max(time_width, cell_len(last[0][0]))
        text_width = max(text_width, widest(self.app.console, [text for _, text in last], width - time_width - 1))
        parts = []
        if earlier:
            parts.append(Part("earlier", lambda: self._earlier_part(earlier, time_width, text_width, width)))
        # The last transition's first line ticks ("for 5s"); what the backend said does not.
        headline, *notes = last
        last_key = ("last", headline[0], str(headline[1]))
        parts.append(Part(last_key, lambda: self._ticking_row(headline, time_width, text_width, width)))
        if notes:
            parts.append(Part("last-notes", lambda: self._table([notes], time_width, text_width, width)))
        return parts

    def _earlier_rows(self, events: list[StatusEvent], width: int) -> tuple[list[list[tuple[str, Text]]], int, int]:
        """The rows of every transition but the last (which ticks), and the widths of their
        columns at ``width``: the rows made again only when the transitions, the day, ASCII,
        the theme or the styles move (not for each width a pane is measured and drawn at)."""
        now = self.now
        day = (now.tzinfo, assume_utc(now).date()) if now is not None else None
        key = (day, self.ascii, self.app.theme)
        kept = self._earlier
        if kept is None or kept[0] is not self.events or kept[1] != key:
            rows = [self._rows(events, index) for index in range(len(events) - 1)]
            time_width = max((cell_len(row[0][0]) for row in rows), default=0)
            kept = self._earlier = (self.events, key, (rows, time_width, {}))
        rows, time_width, text_widths = kept[2]
        text_width = text_widths.get(width)
        if text_width is None:
            text_width = text_widths[width] = widest(
                self.app.console, [text for row in rows for _, text in row], width - time_width - 1
            )
        return rows, time_width, text_width

    def _rows(self, events: list[StatusEvent], index: int) -> list[tuple[str, Text]]:
        """Two lines per transition: what happened and when on the first, what the backend
        said on an indented second, so a narrow pane stays legible."""
        event = events[index]
        headline = state_text(event.state, event.raw_state, ascii=self.ascii, style=self._state_style(event.state))
        summary = self._summary(events, index)
        if summary:
            headline = Text.assemble(headline, "  ", summary)
        rows = [(event_time(event.at, self.now), headline)]
        notes = self._notes(event)
        if notes:
            rows.append(("", notes))
        return rows

    def _earlier_part(
        self, rows: list[list[tuple[str, Text]]], time_width: int, text_width: int, width: int
    ) -> RenderableType:
        """The transitions before the last: without a table's machinery when they all fit."""
        if 1 <= text_width <= width - time_width - 1:
            flat = [row for event_rows in rows for row in event_rows]
            fast = grid_rows(flat, time_width, text_width, self._style("timeline--time"))
            if fast is not None:
                return fast
        return self._table(rows, time_width, text_width, width)

    def _ticking_row(self, row: tuple[str, Text], time_width: int, text_width: int, width: int) -> RenderableType:
        """The last transition's first line, drawn every second: without a table's machinery
        when it fits, or wraps in a column as wide as the table's ("… · for 5s" in a narrow pane)."""
        if 1 <= text_width <= width - time_width - 1:
            fast = grid_rows([row], time_width, text_width, self._style("timeline--time"), wrap=True)
            if fast is not None:
                return fast
        return self._table([[row]], time_width, text_width, width)

    def _table(self, rows: list[list[tuple[str, Text]]], time_width: int, text_width: int, width: int) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_column(style=self._style("timeline--time"), no_wrap=True, width=time_width)
        table.add_column(overflow="fold", **value_column(text_width, width - time_width - 1))
        for event_rows in rows:
            for when, text in event_rows:
                table.add_row(when, text)
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
        return self.part_style(component)
