"""Theme files: shipped themes, user themes, broken files, live edits, switching and remembering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from deck_helpers import build_app, toasts, wait_for_jobs

from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.themes import (
    ThemeMemory,
    load_all_themes,
    load_theme_dir,
    load_theme_file,
    shipped_themes_dir,
)

SHIPPED = {"jobdeck-dark", "jobdeck-light", "jobdeck-high-contrast", "jobdeck-16"}
WIDE = (120, 40)


def write_theme(folder: Path, name: str, primary: str = "#112233", **extra: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'name = "{name}"', f'primary = "{primary}"', *(f"{k} = {v}" for k, v in extra.items())]
    file = folder / f"{name}.toml"
    file.write_text("\n".join(lines) + "\n")
    return file


def themed_app(tmp_path: Path, user_dir: Path, *, theme: str | None = None, watch: bool = False) -> JobdeckApp:
    """The sample deck reading the shipped themes and ``user_dir``, remembering in ``tmp_path``."""
    sample = build_app(tmp_path)
    settings = sample.settings.model_copy(update={"theme": theme} if theme else {})
    return JobdeckApp(
        settings,
        sample.monitor,
        clock=sample.clock,
        theme_folders=[shipped_themes_dir(), user_dir],
        watch_themes=watch,
        theme_memory=ThemeMemory(tmp_path / "ui-state.json"),
    )


# -- files ------------------------------------------------------------------------------


def test_four_themes_ship_with_jobdeck_and_all_load_cleanly():
    themes, problems = load_theme_dir(shipped_themes_dir())
    assert problems == []
    assert SHIPPED <= {theme.name for theme in themes}
    sixteen = next(theme for theme in themes if theme.name == "jobdeck-16")
    assert sixteen.ansi  # the terminal's own palette


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('primary = "not-a-colour"\n', "primary: not a colour: 'not-a-colour'"),
        ('primary = "#123456"\nbackgrund = "#000000"\n', "backgrund: unknown field"),
        ('name = "x"\n', "primary: missing"),
        ('primary = "#123456"\n[variables]\nborder = "nope"\n', "variables: border: not a colour"),
        ('primary = "#123456"\ndark = "yes"\n', "dark:"),
        ("primary = \n", "invalid TOML"),
    ],
)
def test_a_broken_theme_file_is_reported_with_its_file_and_field(tmp_path, text, expected):
    file = tmp_path / "broken.toml"
    file.write_text(text)
    with pytest.raises(ValueError) as caught:
        load_theme_file(file)
    assert str(caught.value).startswith(f"{file}: ")
    assert expected in str(caught.value)


def test_a_user_theme_replaces_a_shipped_one_of_the_same_name_and_bad_files_are_listed(tmp_path):
    write_theme(tmp_path, "jobdeck-dark", primary="#abcdef")
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe")
    themes, problems = load_all_themes([shipped_themes_dir(), tmp_path])
    assert themes["jobdeck-dark"].primary == "#abcdef"
    assert [problem.file.name for problem in problems] == ["bad.toml"]
    assert "not UTF-8" in str(problems[0])


def test_the_remembered_theme_yields_to_a_newer_configured_one(tmp_path):
    memory = ThemeMemory(tmp_path / "state" / "ui-state.json")
    assert memory.recall("textual-dark") is None
    memory.remember("jobdeck-light", "textual-dark")
    assert memory.recall("textual-dark") == "jobdeck-light"
    assert memory.recall("nord") is None  # the config (or --theme) changed since: it wins
    memory.file.write_text("{not json")
    assert memory.recall("textual-dark") is None


# -- the deck -----------------------------------------------------------------------------


async def test_the_deck_starts_in_a_shipped_theme_named_in_the_config(tmp_path):
    app = themed_app(tmp_path, tmp_path / "user", theme="jobdeck-high-contrast")
    async with app.run_test(size=WIDE):
        await wait_for_jobs(app, 6)
        assert app.theme == "jobdeck-high-contrast"
        assert SHIPPED <= set(app.available_themes)


async def test_an_unknown_configured_theme_falls_back_with_a_message(tmp_path):
    app = themed_app(tmp_path, tmp_path / "user", theme="no-such-theme")
    async with app.run_test(size=WIDE):
        await wait_for_jobs(app, 6)
        assert app.theme == "textual-dark"
        assert any("no-such-theme" in t for t in toasts(app))


async def test_shift_t_and_the_palette_switch_themes_and_the_choice_is_remembered(tmp_path):
    app = themed_app(tmp_path, tmp_path / "user")
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("T")
        first = app.theme
        assert first in SHIPPED
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Next theme")
        command.callback()
        await pilot.pause()
        assert app.theme != first and app.theme in SHIPPED
        chosen = app.theme
    again = themed_app(tmp_path, tmp_path / "user")
    async with again.run_test(size=WIDE):
        await wait_for_jobs(again, 6)
        assert again.theme == chosen


async def test_an_edited_theme_file_applies_live_and_a_broken_edit_keeps_the_theme(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    app = themed_app(tmp_path, user, watch=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)

        async def write_until(predicate, *args, **kwargs) -> None:
            # The watcher starts in a worker; rewrite until it has seen the file (bounded).
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15
            while not predicate():
                assert loop.time() < deadline, "the theme watcher did not react"
                write_theme(user, *args, **kwargs)
                for _ in range(20):
                    await asyncio.sleep(0.05)
                    if predicate():
                        break

        await write_until(lambda: "mine" in app.available_themes, "mine", primary="#102030")
        app.theme = "mine"
        await pilot.pause()
        assert app.get_css_variables()["primary"].lower() == "#102030"

        await write_until(lambda: app.get_css_variables()["primary"].lower() == "#405060", "mine", primary="#405060")
        assert app.theme == "mine"

        await write_until(lambda: any("mine.toml" in t for t in toasts(app)), "mine", primary="bogus")
        message = next(t for t in toasts(app) if "mine.toml" in t)
        assert "primary" in message and "not a colour" in message
        assert app.theme == "mine"
        assert app.get_css_variables()["primary"].lower() == "#405060"
