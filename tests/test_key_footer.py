"""KeyFooter: the stock Footer's keys, rebuilt only when what it shows changes."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Label
from textual.widgets._footer import FooterKey

from jobdeck.ui.widgets.key_footer import KeyFooter


class FooterApp(App[None]):
    BINDINGS = [
        Binding("a", "archive", "Archive"),
        Binding("s", "sort", "Sort"),
    ]

    archive_enabled = True

    def compose(self) -> ComposeResult:
        yield Label("body")
        yield KeyFooter(show_command_palette=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "archive":
            return True if self.archive_enabled else None  # None: shown, but dimmed
        return True

    def action_archive(self) -> None:
        pass

    def action_sort(self) -> None:
        pass


def footer_keys(app: App[None]) -> list[FooterKey]:
    return list(app.query(FooterKey))


async def test_the_footer_shows_the_keys_of_the_screen() -> None:
    async with FooterApp().run_test() as pilot:
        await pilot.pause()
        assert [key.description for key in footer_keys(pilot.app)] == ["Archive", "Sort"]


async def test_bindings_refreshed_without_a_change_keep_the_keys_built() -> None:
    async with FooterApp().run_test() as pilot:
        await pilot.pause()
        before = footer_keys(pilot.app)
        for _ in range(3):
            pilot.app.refresh_bindings()
            await pilot.pause()
        assert footer_keys(pilot.app) == before
        assert all(a is b for a, b in zip(footer_keys(pilot.app), before, strict=True))


async def test_a_key_that_becomes_unavailable_is_shown_dimmed() -> None:
    async with FooterApp().run_test() as pilot:
        await pilot.pause()
        pilot.app.archive_enabled = False
        pilot.app.refresh_bindings()
        await pilot.pause()
        keys = {key.description: key for key in footer_keys(pilot.app)}
        assert keys["Archive"].has_class("-disabled")
        assert not keys["Sort"].has_class("-disabled")
