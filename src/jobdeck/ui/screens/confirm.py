"""A yes/no dialog for actions that change a backend."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from jobdeck.safe_text import safe_line, safe_message
from jobdeck.ui.widgets.typed_input import TypedInput


@dataclass(frozen=True)
class Confirmed:
    """The user said yes, with the reason they gave (if the dialog asked for one)."""

    reason: str | None = None


class ConfirmScreen(ModalScreen[Confirmed | None]):
    """Asks before an action. Dismisses with ``Confirmed`` only on an explicit yes.

    The safe answer has the focus, so a stray Enter never archives or retries.
    Where the backend records a reason, an optional reason field is offered;
    Enter in it (after typing) is an explicit yes.
    """

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    ConfirmScreen #confirm-title {
        text-style: bold;
        margin-bottom: 1;
    }
    ConfirmScreen #confirm-hint {
        color: $text-muted;
        margin-top: 1;
    }
    ConfirmScreen Horizontal {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    ConfirmScreen Button {
        margin-left: 2;
    }
    ConfirmScreen #confirm-reason {
        margin-top: 1;
    }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(
        self, title: str, message: str, *, confirm_label: str = "Yes", ask_reason: bool = False
    ) -> None:
        super().__init__()
        # Both may quote the job's name or a backend's words.
        self._title = safe_line(title)
        self._message = safe_message(message)
        self._confirm_label = confirm_label
        self._ask_reason = ask_reason

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, id="confirm-title", markup=False)
            yield Static(self._message, id="confirm-message", markup=False)
            if self._ask_reason:
                yield TypedInput(placeholder="reason (optional: Tab to type one, Enter to confirm)", id="confirm-reason")
            yield Static("y to confirm · n or Esc to say no", id="confirm-hint")
            with Horizontal():
                yield Button("No", id="no")  # ("Cancel" read as the action when the action is cancel)
                yield Button(self._confirm_label, id="yes", variant="warning")

    def on_mount(self) -> None:
        if self._ask_reason:
            # Tab from Cancel must land in the reason field, not on the yes button:
            # otherwise the reason typed next is read as keys (and its "y" says yes).
            self.query_one("#yes", Button).can_focus = False
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_answer(True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(Confirmed(reason=self._reason()) if yes else None)

    def _reason(self) -> str | None:
        if not self._ask_reason:
            return None
        return self.query_one("#confirm-reason", Input).value.strip() or None
