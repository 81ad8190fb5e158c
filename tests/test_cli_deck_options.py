"""The deck's options before a command (`jobdeck --read-only demo`): applied where a deck opens,
taken by the commands that only read, refused with exit 2 and the reason everywhere else."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke


@pytest.fixture(autouse=True)
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "data"


@pytest.fixture
def demo_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replaces the demo so the tests see the settings and flags it would start with."""
    calls: list[dict[str, Any]] = []

    def run_demo(base: Any, **flags: Any) -> int:
        calls.append({"settings": base, **flags})
        return 0

    monkeypatch.setattr("jobdeck.demo.run_demo", run_demo)
    return calls


@pytest.fixture
def served_commands(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replaces the browser server so the tests see the deck command each tab would run."""
    commands: list[str] = []

    def run(command: str, **kwargs: Any) -> None:
        commands.append(command)
        kwargs["announce"]("http://127.0.0.1:8000/")

    monkeypatch.setattr("jobdeck.serve_server.run", run)
    return commands


@pytest.mark.parametrize(
    ("args", "mode"),
    [(["--read-only", "demo"], "read-only"), (["--kiosk", "demo"], "kiosk"), (["demo"], "interactive")],
)
def test_the_mode_given_before_demo_is_the_demo_decks_mode(
    demo_calls: list[dict[str, Any]], args: list[str], mode: str
) -> None:
    result = invoke(*args)

    assert result.exit_code == 0, result.output
    assert demo_calls[0]["settings"].mode == mode


def test_the_theme_given_before_demo_is_the_demo_decks_theme(demo_calls: list[dict[str, Any]]) -> None:
    assert invoke("--theme", "jobdeck-light", "demo").exit_code == 0

    assert demo_calls[0]["settings"].theme == "jobdeck-light"


@pytest.mark.parametrize("args", [["--kiosk", "demo", "--no-deck"], ["--theme", "x", "demo", "--no-deck"],
                                  ["demo", "--no-deck", "--read-only"], ["--view", "nightly", "demo", "--no-deck"]])
def test_a_deck_option_with_demo_no_deck_is_refused(demo_calls: list[dict[str, Any]], args: list[str]) -> None:
    result = invoke(*args)

    assert result.exit_code == 2
    assert "does not apply to `jobdeck demo --no-deck`: it opens no deck" in result.stderr
    assert demo_calls == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kiosk", "ls"], "--kiosk does not apply to `jobdeck ls`: it opens no deck"),
        (["--theme", "jobdeck-light", "info"], "--theme does not apply to `jobdeck info`: it opens no deck"),
        (["--kiosk", "logs", "local/1"], "--kiosk does not apply to `jobdeck logs`: it opens no deck"),
        (["--theme", "nord", "run", "--", "true"], "--theme does not apply to `jobdeck run`: it opens no deck"),
        (["--read-only", "run", "--", "true"], "--read-only does not apply to `jobdeck run`: it starts a job"),
        (["--read-only", "emulate", "drp"], "--read-only does not apply to `jobdeck emulate`: it serves a stand-in"),
        (["--kiosk", "emulate", "drp"], "--kiosk does not apply to `jobdeck emulate`: it serves a stand-in"),
    ],
)
def test_a_deck_option_before_a_command_it_does_not_apply_to_is_refused_with_the_reason(
    sandbox: Path, args: list[str], message: str
) -> None:
    result = invoke(*args)

    assert result.exit_code == 2
    assert result.stderr.startswith(f"jobdeck: {message}"), result.stderr
    assert "applies to the deck, demo" in result.stderr  # where it would apply
    assert not (sandbox / "spool").exists()  # `run` started nothing


def test_read_only_before_a_command_that_only_reads_is_taken_and_shown(sandbox: Path) -> None:
    assert invoke("--read-only", "ls").exit_code == 0
    result = invoke("--read-only", "info")

    assert result.exit_code == 0, result.output
    [mode] = [line for line in result.stdout.splitlines() if line.startswith("mode")]
    assert mode.split() == ["mode", "read-only"]


def test_kiosk_and_theme_before_serve_reach_every_tabs_deck(served_commands: list[str]) -> None:
    result = invoke("--kiosk", "--theme", "jobdeck-16", "serve")

    assert result.exit_code == 0, result.output
    [command] = served_commands
    assert shlex.split(command)[-3:] == ["--kiosk", "--theme", "jobdeck-16"]
    assert "serving the deck (kiosk)" in result.stderr


def test_read_only_before_serve_keeps_the_browser_deck_read_only(served_commands: list[str]) -> None:
    assert invoke("--read-only", "serve").exit_code == 0

    assert shlex.split(served_commands[0])[-1] == "--read-only"


@pytest.mark.parametrize("option", ["--read-only", "--kiosk"])
def test_read_only_or_kiosk_before_serve_with_allow_actions_is_refused(
    served_commands: list[str], option: str
) -> None:
    result = invoke(option, "serve", "--allow-actions")

    assert result.exit_code == 2
    assert f"{option} and --allow-actions contradict each other" in result.stderr
    assert served_commands == []


def test_serve_says_read_only_when_the_config_is_stricter_than_allow_actions(
    served_commands: list[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('mode = "read-only"\n')

    result = invoke("--config", str(config), "serve", "--allow-actions")

    assert result.exit_code == 0, result.output
    assert "serving the deck (read-only)" in result.stderr
