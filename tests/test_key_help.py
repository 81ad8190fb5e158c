"""One help, generated from the bindings: `?` and the command palette list the same keys."""

from __future__ import annotations

from deck_helpers import build_app, screen_text, toasts, wait_for_jobs
from fakes import wait_until
from textual.binding import Binding
from textual.command import CommandPalette

from jobdeck.model import JobRef
from jobdeck.ui.screens.confirm import ConfirmScreen
from jobdeck.ui.screens.help import HelpScreen
from jobdeck.ui.screens.key_commands import MOVES

WIDE = (120, 40)
FAILED = JobRef(backend="local", id="20260101-1155-b2")


def palette_commands(app) -> dict[str, str]:
    """The palette's commands: title -> its second line."""
    return {command.title: command.help for command in app.get_system_commands(app.screen)}


async def test_every_key_action_of_the_deck_is_a_palette_command_showing_its_key(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE):
        await wait_for_jobs(app, 6)
        commands = palette_commands(app)
        # What a new user looked for in the palette and did not find.
        for title, key in {"Filter": "/", "Sort": "s", "Archive": "a", "Retry": "r", "Cancel": "x",
                           "Pause": "p", "Watch a job by id": "+", "Archived": "v", "Follow log": "f",
                           "Earlier lines": "b", "Keys": "?", "Quit": "q", "Copy job reference": "c"}.items():
            assert commands[title].startswith(f"Key {key}"), (title, commands.get(title))
        # Every described key of every section is there, but keys that only move.
        for section in app.screen.key_sections():
            for binding in section.bindings:
                if binding.description and binding.action not in MOVES:
                    assert any(
                        title == binding.description or help_text.startswith(f"Key {binding.key_display or binding.key}")
                        for title, help_text in commands.items()
                    ), binding
        assert "Cursor up" not in commands and "Up" not in commands


async def test_the_palettes_keys_entry_is_the_decks_help_not_textuals(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        keys = [c for c in app.get_system_commands(app.screen) if c.title == "Keys"]
        assert len(keys) == 1
        keys[0].callback()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert not app.screen.query("HelpPanel")


async def test_a_palette_command_does_what_its_key_does(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        await pilot.pause()
        # Through the palette as a user would: open it, type, Enter.
        await pilot.press("ctrl+p")
        await wait_until(lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"archive")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the archive confirmation")
        await pilot.press("escape")
        await pilot.pause()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Sort"].callback()
        await pilot.pause()
        assert any(t.startswith("Sorted by") for t in toasts(app))


async def test_a_palette_command_unavailable_now_says_why(tmp_path):
    app = build_app(tmp_path, read_only=True)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        await pilot.pause()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "unavailable: read-only mode" in commands["Retry"].help
        commands["Retry"].callback()
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("Retry is unavailable" in t for t in toasts(app))


async def test_question_mark_lists_the_keys_textual_adds_and_the_group_filter(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=(120, 130)) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for line in ("tab ", "Next pane", "shift+tab", "^p ", "Command palette", "group:translate"):
            assert line in text, line


def test_help_and_palette_read_the_same_binding_list():
    """A new binding needs nothing else: both read DeckScreen.key_sections()."""
    from jobdeck.ui.screens.deck import DeckScreen

    assert any(isinstance(b, Binding) and b.action == "help" for b in DeckScreen.BINDINGS)


def test_a_reason_or_a_plugins_words_reach_the_palette_as_text_not_markup():
    """The palette reads a command's title and help as markup; a reason quotes the backend
    (DRP's machine name, Intuned's run status) and an added action's words are a plugin's."""
    from textual.app import App
    from textual.content import Content

    from jobdeck.ui.screens.key_commands import KeySection, key_commands

    zap = Binding("z", "act('zap')", "Zap [b]now", tooltip="[@click=app.quit]Quit[/]")
    section = KeySection("Deck", [zap], {"act('zap')": "the run is still [/RUNNING]\x1b[2J"})
    (command,) = key_commands(App(), [section], lambda binding: binding.key)
    # As the palette draws them (a closing tag that opens nothing would raise MarkupError).
    assert Content.from_markup(command.title).plain == "Zap [b]now"
    assert Content.from_markup(command.help).plain == (
        "Key z · [@click=app.quit]Quit[/] · unavailable: the run is still [/RUNNING]"
    )
