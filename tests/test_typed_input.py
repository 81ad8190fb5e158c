"""Keys read in one burst (a fast typist, a slow link, a loaded machine) edit the deck's
text boxes in the order they were typed: an editing key (backspace, ctrl+w, ctrl+u …)
no longer waits behind the characters after it (Textual runs it as an App binding once
it has bubbled up; Textualize/textual#6605)."""

from __future__ import annotations

from deck_helpers import sample_deck, wait_for_jobs
from fakes import wait_until
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from jobdeck.ui.widgets.typed_input import TypedInput


def burst(app: App, keys: list[str]) -> None:
    """Post ``keys`` as the terminal driver does for one read, without waiting between them."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


class BoxApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TypedInput(id="box")


async def test_backspaces_and_words_deleted_in_a_burst_apply_where_they_were_typed():
    app = BoxApp()
    async with app.run_test() as pilot:
        box = app.query_one(TypedInput)
        box.focus()
        await pilot.pause()
        burst(app, [*"abcdef", "backspace", "backspace", "backspace", *"xyz"])
        await pilot.pause()
        assert box.value == "abcxyz"
        burst(app, ["ctrl+w", *"one two", "ctrl+u", *"three", "left", "left", *"--"])
        await pilot.pause()
        assert box.value == "thr--ee"


async def test_the_deck_filter_typed_with_corrections_in_one_burst_filters_as_typed(tmp_path):
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("slash")
        box = app.screen.query_one("#filter", Input)
        assert isinstance(box, TypedInput) and app.focused is box
        burst(app, [*"state:runn", "backspace", "backspace", "backspace", "backspace", *"failed"])
        await pilot.pause()
        assert box.value == "state:failed"
        await wait_until(lambda: jobs.filter_text == "state:failed" and jobs.visible_count == 1, what="the filter")
