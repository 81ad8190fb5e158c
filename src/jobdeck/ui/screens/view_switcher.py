"""The view switcher (ctrl+o): every saved view with what it shows; Enter opens one.

Dismisses with the chosen view's name, "" for "every job, no view", or None
when cancelled. Names and queries are the user's (or a file's): shown as plain
text, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from jobdeck import present
from jobdeck.safe_text import safe_line
from jobdeck.views import View

#: The option that leaves every view: the whole list, as the deck starts.
NO_VIEW = ""
#: The dialog's width in cells (less on a narrower terminal).
WIDTH = 84


class ViewSwitcher(ModalScreen[str | None]):
    """A list of views; the one in use is marked."""

    DEFAULT_CSS = """
    ViewSwitcher { align: center middle; }
    ViewSwitcher > Vertical {
        width: 84; max-width: 100%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    ViewSwitcher #views-title { text-style: bold; margin-bottom: 1; }
    ViewSwitcher OptionList { height: auto; max-height: 16; border: none; padding: 0; }
    ViewSwitcher #views-hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="views.cancel")]

    def __init__(self, views: Sequence[View], current: str | None, *, configured: Sequence[str] = ()) -> None:
        super().__init__()
        self._views = list(views)
        self._current = current
        self._configured = {name.casefold() for name in configured}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Views", id="views-title")
            yield OptionList(*self._options(), id="views")
            yield Static("Enter opens a view · Esc closes · ctrl+s saves the list as it is now",
                         id="views-hint", markup=False)

    def _options(self) -> list[Option]:
        # One line each (cut to the dialog's width): a long query must not push the others away.
        width = min(WIDTH, self.app.size.width) - 8
        options = [Option(_line("Every job", "no view: the whole list", self._current is None, width), id="\0")]
        for index, view in enumerate(self._views):
            where = "config" if view.name.casefold() in self._configured else "saved"
            line = _line(view.name, f"({where}) {view.describe()}", view.name == self._current, width)
            options.append(Option(line, id=str(index)))
        return options

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        chosen = next((i + 1 for i, view in enumerate(self._views) if view.name == self._current), 0)
        options.highlighted = chosen
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or "\0"
        self.dismiss(NO_VIEW if option_id == "\0" else self._views[int(option_id)].name)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _line(name: str, what: str, current: bool, width: int) -> Text:
    """``● name  what``, cut to ``width`` cells."""
    name = present.truncate(safe_line(name), max(8, width // 2))
    what = present.truncate(safe_line(what), max(1, width - 4 - cell_len(name)))
    line = Text("● " if current else "  ")
    line.append(name, style="bold")
    line.append("  ")
    line.append(what, style="dim")
    return line
