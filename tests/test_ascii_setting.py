"""ASCII mode can be turned on and off: `ascii = "auto" | true | false` in the config (auto, the
default: on by itself on the Linux console only), and `--ascii` / `--no-ascii` before the deck,
`demo` or `serve`."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke
from deck_helpers import sample_backends, screen_text, wait_for_jobs

from jobdeck.clock import FrozenClock
from jobdeck.config import Settings, load_settings
from jobdeck.errors import ConfigError
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.ascii_mode import ascii_for_terminal

LINUX = {"TERM": "linux"}
XTERM = {"TERM": "xterm-256color"}


@pytest.fixture(autouse=True)
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


def config(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "config.toml"
    file.write_text(text, encoding="utf-8")
    return file


# -- the setting -----------------------------------------------------------------------


def test_auto_is_the_default_and_turns_ascii_on_only_where_the_terminal_needs_it():
    assert Settings().ascii == "auto"
    assert ascii_for_terminal(Settings(), LINUX).ascii is True
    assert ascii_for_terminal(Settings(), XTERM).ascii is False


def test_false_keeps_the_glyphs_on_the_linux_console():
    """A console whose font has the glyphs (or a user who prefers them) turns the fallback off."""
    assert ascii_for_terminal(Settings(ascii=False), LINUX).ascii is False


def test_true_draws_ascii_on_any_terminal():
    assert ascii_for_terminal(Settings(ascii=True), XTERM).ascii is True


@pytest.mark.parametrize(("line", "value"), [('ascii = "auto"', "auto"), ("ascii = true", True),
                                             ("ascii = false", False), ("", "auto")])
def test_the_config_file_takes_auto_true_or_false(tmp_path, line, value):
    assert load_settings(config(tmp_path, line + "\n")).ascii == value


@pytest.mark.parametrize("line", ['ascii = "yes"', "ascii = 1", 'ascii = "true"'])
def test_anything_else_is_refused_naming_the_three_choices(tmp_path, line):
    with pytest.raises(ConfigError) as refused:
        load_settings(config(tmp_path, line + "\n"))
    [problem] = str(refused.value).splitlines()
    assert 'ascii: should be "auto", true or false (got ' in problem


async def test_a_deck_with_ascii_false_on_the_linux_console_keeps_its_glyphs(tmp_path):
    clock = FrozenClock()
    adapters = sample_backends(clock)
    monitor = Monitor(adapters, clock=clock, store=MemoryStore(tmp_path))
    settings = ascii_for_terminal(Settings(backends=[a.settings for a in adapters], ascii=False), LINUX)
    app = JobdeckApp(settings, monitor, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.pause()
        assert not app.ascii
        text = screen_text(app)
        assert "╭" in text and "✗" in text


def test_an_undecided_auto_draws_glyphs():
    """The App is handed a decided setting (wiring.run_deck); "auto" left as it is is not ASCII."""
    clock = FrozenClock()
    monitor = Monitor([], clock=clock, store=MemoryStore(Path("/nonexistent")))
    assert JobdeckApp(Settings(backends=[]), monitor, clock=clock).ascii is False


# -- the options ---------------------------------------------------------------------------


@pytest.fixture
def demo_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def run_demo(base: Any, **flags: Any) -> int:
        calls.append({"settings": base, **flags})
        return 0

    monkeypatch.setattr("jobdeck.demo.run_demo", run_demo)
    return calls


@pytest.mark.parametrize(("option", "value"), [("--ascii", True), ("--no-ascii", False)])
def test_ascii_options_before_demo_override_the_config(tmp_path, demo_calls, option, value):
    file = config(tmp_path, f"ascii = {'false' if value else 'true'}\n")
    result = invoke("--config", str(file), option, "demo")
    assert result.exit_code == 0, result.output
    assert demo_calls[0]["settings"].ascii is value


def test_without_an_option_the_configs_ascii_stands(tmp_path, demo_calls):
    result = invoke("--config", str(config(tmp_path, "ascii = false\n")), "demo")
    assert result.exit_code == 0, result.output
    assert demo_calls[0]["settings"].ascii is False


@pytest.mark.parametrize(("option", "value"), [("--ascii", True), ("--no-ascii", False)])
def test_ascii_options_before_serve_reach_every_tabs_deck(monkeypatch, option, value):
    commands: list[str] = []

    def run(command: str, **kwargs: Any) -> None:
        commands.append(command)
        kwargs["announce"]("http://127.0.0.1:8000/")

    monkeypatch.setattr("jobdeck.serve_server.run", run)
    result = invoke(option, "serve")
    assert result.exit_code == 0, result.output
    [command] = commands
    assert option in shlex.split(command.removeprefix("exec "))


@pytest.mark.parametrize("option", ["--ascii", "--no-ascii"])
def test_ascii_options_are_refused_where_no_deck_opens(option):
    result = invoke(option, "ls")
    assert result.exit_code == 2
    assert f"{option} does not apply to `jobdeck ls`" in result.output
    result = invoke(option, "demo", "--no-deck")
    assert result.exit_code == 2
    assert f"{option} does not apply to `jobdeck demo --no-deck`" in result.output


def test_info_says_what_auto_means_on_this_terminal(monkeypatch):
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("TERM_PROGRAM", raising=False)
    result = invoke("info")
    assert "ascii        auto (on: TERM=linux cannot draw the glyphs)" in result.output
    monkeypatch.setenv("TERM", "xterm-256color")
    assert "ascii        auto (off: this terminal draws the glyphs)" in invoke("info").output
