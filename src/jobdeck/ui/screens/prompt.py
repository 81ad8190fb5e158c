"""A one-line question: type an answer, Enter to accept, Esc to cancel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from jobdeck.safe_text import safe_line
from jobdeck.ui.widgets.typed_input import TypedInput


class PromptScreen(ModalScreen[str | None]):
    """Dismisses with the text typed (stripped), or None when cancelled or empty."""

    DEFAULT_CSS = """
    PromptScreen {
        align: center middle;
    }
    PromptScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
    }
    PromptScreen #prompt-title {
        text-style: bold;
        margin-bottom: 1;
    }
    PromptScreen #prompt-hint {
        color: $text-muted;
        margin-top: 1;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, *, placeholder: str = "", hint: str = "Enter to accept · Esc to cancel") -> None:
        super().__init__()
        self._title = safe_line(title)  # it names a backend of the config
        self._placeholder = placeholder
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, id="prompt-title", markup=False)
            yield TypedInput(placeholder=self._placeholder, id="prompt-input")
            yield Static(self._hint, id="prompt-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
