"""The streaming log pane: ``LogView``.

It follows its tail, pauses when scrolled up, pages to earlier windows of the
log, wraps and searches. Its lines are a bounded ``LogBuffer`` (buffer.py),
laid out in rows by a ``WrapLayout`` (wrap_layout.py) and drawn by
``LogLines`` (log_lines.py), the scroll view it extends.
"""

from __future__ import annotations

import re
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from jobdeck.safe_text import to_plain
from jobdeck.ui.widgets.log_view.log_lines import LogLines


class LogView(LogLines, can_focus=True):
    """A log that follows its tail, pauses when scrolled up, wraps and searches."""

    # Mouse selection would need per-line selection spans; copy uses lines_text().
    ALLOW_SELECT = False

    #: The state in words last posted (``StatusChanged``).
    _status_told: str | None = None

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        color: $foreground;
        overflow-x: auto;
        /* Always reserve the scrollbar so the wrap width never flips. */
        overflow-y: scroll;
        &:focus {
            background-tint: $foreground 5%;
        }
        &.-wrap {
            overflow-x: hidden;
        }
        & > .log-view--notice {
            background: $warning-muted;
            color: $foreground;
            text-style: bold;
        }
        & > .log-view--status {
            background: $primary-muted;
            color: $foreground;
            text-style: bold;
        }
        & > .log-view--match {
            background: $accent;
            color: $background;
            text-style: bold;
        }
        /* The match n and N move from, apart from the others (not by colour alone). */
        & > .log-view--match-current {
            background: $foreground;
            color: $background;
            text-style: bold underline;
        }
        & > .log-view--dropped {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "End (follow)", show=False),
        Binding("f", "follow", "Follow", tooltip="Jump to the end and follow new lines", id="log.follow"),
        Binding("b", "earlier", "Earlier lines", show=False, id="log.earlier",
                tooltip="Load the lines before the first one shown (the pane keeps a bounded window)"),
        Binding("n", "search_next", "Next match", show=False, id="log.search_next"),
        Binding("N,shift+n", "search_previous", "Previous match", show=False, id="log.search_previous"),
    ]

    class _Asked(Message):
        """The user asked the pane's owner for other lines of the log."""

        def __init__(self, log_view: LogView) -> None:
            super().__init__()
            self.log_view = log_view

        @property
        def control(self) -> LogView:
            return self.log_view

    class EarlierWanted(_Asked):
        """The user asked for the lines before the first one in the pane (``b``)."""

    class TailWanted(_Asked):
        """The pane shows an earlier window and the user asked for the end again (``f``, End)."""

    class StatusChanged(Message):
        """The pane's state in words (``status_text``) changed: following, paused, ended …"""

        def __init__(self, log_view: LogView, text: str) -> None:
            super().__init__()
            self.log_view = log_view
            self.text = text

        @property
        def control(self) -> LogView:
            return self.log_view

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogView.StatusChanged) and message.log_view is self.log_view

    class FollowChanged(Message):
        """Following the tail was paused or resumed."""

        def __init__(self, log_view: LogView, following: bool) -> None:
            super().__init__()
            self.log_view = log_view
            self.following = following

        @property
        def control(self) -> LogView:
            return self.log_view

    # -- public API -----------------------------------------------------------

    @property
    def max_lines(self) -> int:
        """The most lines kept; older ones are dropped."""
        return self._buffer.max_lines

    @property
    def line_count(self) -> int:
        """Lines kept, the pending partial line included."""
        return self._buffer.count

    @property
    def dropped_lines(self) -> int:
        """How many of the oldest lines were dropped to respect ``max_lines``."""
        return self._buffer.dropped

    @property
    def start_offset(self) -> int:
        """The byte offset of the log this pane started from (0: the beginning)."""
        return self._buffer.skipped_bytes

    @property
    def earlier_unavailable(self) -> str | None:
        """Why ``b`` cannot load earlier lines of this log (its backend reads it on only), or None."""
        return self._buffer.earlier_unavailable

    @earlier_unavailable.setter
    def earlier_unavailable(self, reason: str | None) -> None:
        self._buffer.earlier_unavailable = reason
        self.refresh()

    @property
    def window_end(self) -> int | None:
        """Where the earlier window shown ends (byte offset), or None: the pane is on the tail."""
        return self._buffer.window_end

    @property
    def search_term(self) -> str | None:
        return self._search.term

    @property
    def notice_text(self) -> str | None:
        """The banner shown above the log (``set_notice``), or None."""
        return self._notice

    def kept_raw(self) -> tuple[list[str], str]:
        """The kept complete lines and the partial one, as received (not yet made safe:
        for handing back to ``append``, never to show)."""
        return list(self._buffer.lines), self._buffer.partial

    def lines_text(self) -> list[str]:
        """The kept lines as plain, terminal-safe text (partial line included)."""
        return [to_plain(line) for line in self._buffer.entries()]

    def append(self, text: str) -> None:
        """Add a raw chunk of log; a trailing partial line waits for its newline."""
        if not text:
            return
        new_lines = self._buffer.append(text)
        if new_lines:
            self._layout.appended(new_lines)
            if not self.following:
                self.new_since_pause += len(new_lines)
        shift = self._trim()
        self._update_virtual_size()
        if self.following:
            self._scroll_to_end()
        elif shift:
            # The lines above the view went away; keep the view on the same lines.
            self._move_to(y=self.scroll_y - shift)
        self.refresh()
        if new_lines and not self.following:
            self._tell_status()

    def clear(self, notice: str | None = None) -> None:
        """Forget every line, show ``notice`` (if any) and follow again."""
        self._buffer.clear()
        self._layout.clear()
        self._search.match_line = None
        self.new_since_pause = 0
        self.log_ended = False
        self._notice = notice or None
        self._strips.clear()
        self._set_following(True)
        self._update_virtual_size()
        self._move_to(x=0, y=0)
        self.refresh()
        self._tell_status()

    def start_at(self, offset: int) -> None:
        """Say the lines to come start at byte ``offset`` of the log: what is before it
        was not loaded (a long log opens at its tail). Call after ``clear``."""
        self._buffer.skipped_bytes = max(0, offset)
        self._update_virtual_size()
        if self.following:
            self._scroll_to_end()
        self.refresh()

    def show_window(self, text: str, start: int, end: int) -> None:
        """Show bytes ``start`` to ``end`` of the log (``text``) in place of the tail: an
        earlier window, paged to with ``b``. The view rests on its last lines, where the
        earlier view began; ``f`` or End asks for the tail again (``TailWanted``)."""
        notice = self._notice
        self.clear(notice)
        self._buffer.skipped_bytes = max(0, start)
        self._buffer.window_end = end
        self.append(text)
        if self._buffer.partial:  # the window ends where a line began: this one is whole
            self.append("\n")
        self._set_following(False)
        self._update_virtual_size()
        self._move_to(y=self.max_scroll_y)
        self.refresh()
        self._tell_status()

    def mark_ended(self) -> None:
        """Say the log is complete: its job ended, no line will come (the state reads "ended")."""
        if not self.log_ended:
            self.log_ended = True
            self.refresh()
            self._tell_status()

    def set_notice(self, text: str | None) -> None:
        """Show ``text`` in a one-line banner above the log (None hides it)."""
        self._notice = text or None
        self._update_virtual_size()
        if self.following:
            self._scroll_to_end()
        self.refresh()

    def follow(self) -> None:
        """Resume following: jump to the end and stay there as lines arrive. From an
        earlier window, the tail is asked for (``TailWanted``) and shown when it comes."""
        if self._buffer.window_end is not None:
            self.post_message(self.TailWanted(self))
            return
        self._set_following(True)
        self._scroll_to_end()

    def action_earlier(self) -> None:
        if not self._buffer.skipped_bytes and not self._buffer.dropped:
            # Nothing earlier to load: say so, and what b did instead.
            loaded = f"The whole log is loaded ({self._buffer.count:,} lines)"
            if self.scroll_y > 0:
                self._user_scroll(0)
                self.notify(f"{loaded}: moved to its first line", timeout=3)
            else:
                self.notify(f"{loaded}; its first line is in view", timeout=3)
            return
        if self._buffer.earlier_unavailable:
            self.notify(f"Earlier lines cannot be loaded: {self._buffer.earlier_unavailable}", timeout=4)
            return
        self.post_message(self.EarlierWanted(self))

    def toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    def search(self, term: str, *, backwards: bool = False) -> bool:
        """Find the next (or previous) line containing ``term``, case-insensitively.

        Starts after the current match when it is on screen, else from the
        view's first (or last) line, and wraps around the buffer. On a match:
        scrolls to it, highlights every occurrence and pauses following.
        Returns False, leaving the view alone, when no line matches.
        """
        if not term:
            self.clear_search()
            return False
        pattern = re.compile(re.escape(term), re.IGNORECASE)
        buffer = self._buffer
        if not buffer.count:
            return False
        top = int(self.scroll_y)
        start = self._search.start(
            term,
            backwards=backwards,
            first_shown=self._layout.entry_at_row(top),
            last_shown=self._layout.entry_at_row(top + self._content_height() - 1),
            dropped=buffer.dropped,
        )
        found = buffer.find(pattern, start, backwards=backwards)
        if found is None:
            return False
        index, match = found
        self._search.found(term, pattern, buffer.dropped + index, match.start())
        self._strips.restyle()
        self._set_following(False)
        self._reveal(index, to_plain(buffer.entry(index))[: match.start()])
        self.refresh()
        self._tell_status()
        return True

    def search_next(self) -> bool:
        term = self._search.term
        return self.search(term, backwards=False) if term else False

    def search_previous(self) -> bool:
        term = self._search.term
        return self.search(term, backwards=True) if term else False

    def clear_search(self) -> None:
        self._search.clear()
        self._strips.restyle()
        self.refresh()
        self._tell_status()

    # -- actions --------------------------------------------------------------

    def action_scroll_up(self) -> None:
        self._user_scroll(self.scroll_y - 1)

    def action_scroll_down(self) -> None:
        self._user_scroll(self.scroll_y + 1)

    def action_page_up(self) -> None:
        self._user_scroll(self.scroll_y - max(1, self._content_height() - 1))

    def action_page_down(self) -> None:
        self._user_scroll(self.scroll_y + max(1, self._content_height() - 1))

    def action_scroll_home(self) -> None:
        self._user_scroll(0)

    def action_scroll_end(self) -> None:
        self.follow()

    def action_follow(self) -> None:
        self.follow()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # f does nothing while following the tail: the footer leaves "f Follow" out until it would.
        return not (action == "follow" and self.following)

    def action_search_next(self) -> None:
        self.search_next()

    def action_search_previous(self) -> None:
        self.search_previous()

    # -- reactive watchers and events -----------------------------------------

    def watch_following(self, following: bool) -> None:
        if following:
            self.new_since_pause = 0
        self._update_virtual_size()
        self.refresh()
        self.post_message(self.FollowChanged(self, following))
        self._tell_status()
        self.refresh_bindings()  # (f Follow in the footer: see check_action)

    def _tell_status(self) -> None:
        """Post the state in words when it changed since last told (``StatusChanged``)."""
        text = self.status_text()
        if text != self._status_told:
            self._status_told = text
            self.post_message(self.StatusChanged(self, text))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._moving:
            return
        # Scrolling up (keys, wheel, scrollbar) pauses; reaching the end resumes.
        # A clamp after the content shrank lands exactly on the end: not a pause.
        # The end of an earlier window is not the log's end: nothing resumes there.
        if self._buffer.window_end is not None:
            return
        if new_value < old_value and new_value < self.max_scroll_y:
            self._set_following(False)
        elif new_value > old_value and new_value >= self.max_scroll_y and not self.following:
            self._set_following(True)

    def _trim(self) -> int:
        """Drop the oldest lines beyond ``max_lines``; return how many rows went from the top."""
        shift = self._layout.trim()
        self._search.forget_match_before(self._buffer.dropped)
        return shift
