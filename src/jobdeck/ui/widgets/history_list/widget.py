"""``HistoryList``: the jobs a history search has read so far, drawn with the Line API
(only the rows on screen), with a row cursor. It never reads the history itself: it
says when its cursor nears the last row read (``NeedMore``), and the screen reads the
next page (by key, in a worker) and hands it over (``add_page``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jobdeck.store.sqlite.history_pages import HistoryEntry
from jobdeck.ui.widgets.history_list.rows import header, layout, row_text

#: Rows before the last one read at which the next page is asked for.
AHEAD = 60


class HistoryList(ScrollView, can_focus=True):
    """Rows of history entries under a header; the last row says what is still coming."""

    DEFAULT_CSS = """
    HistoryList {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .history-list--header { background: $panel; color: $foreground; text-style: bold; }
        & > .history-list--cursor { background: $block-cursor-blurred-background; text-style: bold; }
        &:focus > .history-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .history-list--gone { color: $text-muted; }
        & > .history-list--dim { color: $text-muted; }
        & > .history-list--failed { color: $error; text-style: bold; }
        & > .history-list--running { color: $accent; }
        & > .history-list--succeeded { color: $success; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "history-list--header", "history-list--cursor", "history-list--gone", "history-list--dim",
        "history-list--failed", "history-list--running", "history-list--succeeded",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="history_list.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="history_list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="history_list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="history_list.page_down"),
        Binding("home,g", "first", "First", show=False, id="history_list.first"),
        Binding("end,G", "last", "Last read", show=False, id="history_list.last"),
        Binding("enter", "select", "Transitions and log", id="history_list.select", show=False),
    ]

    class NeedMore(Message):
        """The cursor nears the last row read: the page after ``after`` is wanted."""

        def __init__(self, after: int) -> None:
            super().__init__()
            self.after = after

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, HistoryList.NeedMore)

    class Selected(Message):
        """Enter on a job."""

        def __init__(self, entry: HistoryEntry) -> None:
            super().__init__()
            self.entry = entry

    #: The time ages are measured to (the screen sets it).
    now: reactive[datetime | None] = reactive(None, init=False)
    ascii: bool = False
    #: What the last row says while more is coming or when there is none.
    notice: reactive[str] = reactive("", init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[HistoryEntry] = []
        self.done = True
        self.cursor = 0
        self._asked: int | None = None

    # -- filling ------------------------------------------------------------------------

    def reset(self, entries: Sequence[HistoryEntry], *, done: bool) -> None:
        """A new search's first page."""
        self.entries = list(entries)
        self.done = done
        self.cursor = 0
        self._asked = None
        self.scroll_to(y=0, animate=False)
        self._resized()

    def add_page(self, after: int, entries: Sequence[HistoryEntry], *, done: bool) -> None:
        """The page after the row ``after`` (ignored unless it follows the last row read)."""
        if not self.entries or self.entries[-1].key != after:
            return
        self.entries.extend(entries)
        self.done = done
        self._asked = None
        self._resized()
        self._want_more()

    def shown_keys(self) -> list[int]:
        """The rows on screen (to read again: see ``update_entries``)."""
        top = int(self.scroll_y)
        return [entry.key for entry in self.entries[top : top + max(1, self.size.height)]]

    def update_entries(self, fresh: Mapping[int, HistoryEntry]) -> None:
        """Rows read again (by key) take the place of what was read before: where they are, so
        nothing moves under the cursor; their state and when last seen are current."""
        if not fresh:
            return
        # Around the rows on screen (scrolled a little since they were asked for, maybe).
        height = max(1, self.size.height)
        top = int(self.scroll_y)
        for row in range(max(0, top - height), min(len(self.entries), top + 2 * height)):
            entry = fresh.get(self.entries[row].key)
            if entry is not None:
                self.entries[row] = entry
        self.refresh()

    @property
    def highlighted(self) -> HistoryEntry | None:
        return self.entries[self.cursor] if 0 <= self.cursor < len(self.entries) else None

    def _resized(self) -> None:
        extra = 0 if self.done and self.entries else 1
        self.virtual_size = Size(self.size.width, len(self.entries) + extra + 1)
        self.refresh()

    def watch_now(self) -> None:
        self.refresh()

    def watch_notice(self) -> None:
        self._resized()

    # -- moving -------------------------------------------------------------------------

    def _move(self, row: int) -> None:
        self.cursor = max(0, min(row, len(self.entries) - 1))
        page = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + page:
            self.scroll_to(y=self.cursor - page + 1, animate=False)
        self.refresh()
        self._want_more()

    def _want_more(self) -> None:
        if self.done or not self.entries:
            return
        after = self.entries[-1].key
        if len(self.entries) - self.cursor <= AHEAD and self._asked != after:
            self._asked = after
            self.post_message(self.NeedMore(after))

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor + delta)

    def action_page(self, delta: int) -> None:
        self._move(self.cursor + delta * max(1, self.size.height - 2))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.entries) - 1)

    def action_select(self) -> None:
        entry = self.highlighted
        if entry is not None:
            self.post_message(self.Selected(entry))

    def on_resize(self) -> None:
        self._resized()

    # -- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        columns = layout(width)
        if y == 0:
            style = self.get_component_rich_style("history-list--header")
            return Strip([Segment(header(columns, width), style)]).adjust_cell_length(width, style)
        row = int(self.scroll_y) + y - 1
        base = self.rich_style
        if row >= len(self.entries):
            if row == len(self.entries):
                dim = self.get_component_rich_style("history-list--dim")
                text = self.notice or ("" if self.done else "reading…")
                return Strip([Segment(" " + text, base + dim)]).adjust_cell_length(width, base)
            return Strip([Segment(" " * width, base)], width)
        entry = self.entries[row]
        line_style = base
        if entry.job.gone_since is not None:
            line_style += self.get_component_rich_style("history-list--gone")
        if row == self.cursor:
            line_style += self.get_component_rich_style("history-list--cursor")
        state_class = f"history-list--{entry.job.state.value}"
        state_style = (
            self.get_component_rich_style(state_class)
            if state_class in self.COMPONENT_CLASSES and row != self.cursor
            else Style()
        )
        segments = []
        for text, column in row_text(entry, columns, width, now=self.now, ascii=self.ascii):
            segments.append(Segment(text, line_style + state_style if column == "state" else line_style))
        return Strip(segments).adjust_cell_length(width, line_style)
