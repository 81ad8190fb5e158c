"""Start-up shortcuts into Textual's insides (jobdeck.ui.runtime.first_frame): a first screen
skips the restyle and the frames that Textual would throw away at start-up, and only those."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.app import App, ComposeResult
from textual.events import ScreenResume
from textual.screen import Screen
from textual.widgets import Label

from jobdeck.ui.runtime.first_frame import FirstScreen


class Shown(FirstScreen):
    """A first screen that counts how often Textual restyles it."""

    def __init__(self) -> None:
        super().__init__()
        self.restyles = 0

    def compose(self) -> ComposeResult:
        yield Label("first", id="label")

    def update_node_styles(self, animate: bool = True) -> None:
        self.restyles += 1
        super().update_node_styles(animate)


class PlainShown(Screen[object]):
    """The same screen without the shortcuts: what Textual does on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.restyles = 0

    def compose(self) -> ComposeResult:
        yield Label("first", id="label")

    def update_node_styles(self, animate: bool = True) -> None:
        self.restyles += 1
        super().update_node_styles(animate)


class FirstScreenApp(App[None]):
    def __init__(self, first: Callable[[], Screen[object]] = Shown) -> None:
        super().__init__()
        self._first = first

    def get_default_screen(self) -> Screen[object]:
        return self._first()


@pytest.fixture
def textual_renders(monkeypatch: pytest.MonkeyPatch) -> list[Screen[object]]:
    """The screens Textual rendered a frame of, one entry per frame."""
    rendered: list[Screen[object]] = []
    render = Screen._compositor_refresh

    def counted(screen: Screen[object]) -> None:
        rendered.append(screen)
        render(screen)

    monkeypatch.setattr(Screen, "_compositor_refresh", counted)
    return rendered


async def test_a_first_screen_is_not_restyled_when_it_first_becomes_current() -> None:
    app = FirstScreenApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, Shown)
        assert app.screen.restyles == 0


async def test_without_the_shortcut_textual_restyles_it_then() -> None:
    # What the shortcut saves: if Textual stops restyling here, the shortcut can go.
    app = FirstScreenApp(PlainShown)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.screen.restyles == 1


async def test_after_the_first_time_a_resumed_first_screen_is_restyled_as_textual_decides() -> None:
    app = FirstScreenApp()
    async with app.run_test() as pilot:
        first = app.screen
        assert isinstance(first, Shown)
        first.post_message(ScreenResume())  # as Textual sends it when a mode switches back, say
        await pilot.pause()
        assert first.restyles == 1


async def test_a_first_screen_renders_nothing_while_the_app_batches_updates(
    textual_renders: list[Screen[object]],
) -> None:
    app = FirstScreenApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        textual_renders.clear()
        with app.batch_update():
            await pilot.resize_terminal(100, 30)  # a new layout, drawn at once outside a batch
            await pilot.pause()
            assert textual_renders == []
        app.screen.query_one("#label", Label).update("after the batch")
        await pilot.pause()
        assert app.screen in textual_renders


async def test_without_the_shortcut_textual_renders_frames_during_the_batch(
    textual_renders: list[Screen[object]],
) -> None:
    app = FirstScreenApp(PlainShown)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        textual_renders.clear()
        with app.batch_update():
            await pilot.resize_terminal(100, 30)
            await pilot.pause()
            assert app.screen in textual_renders
