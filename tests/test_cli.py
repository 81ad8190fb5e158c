"""The jobdeck command line: help, run, ls, logs, info, the deck entry and error handling.

Local jobs are made by real `jobdeck run` subprocesses in a temporary data
folder; the other commands run in-process through click's CliRunner.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from cli_helpers import invoke

from jobdeck.adapters import registry
from jobdeck.adapters.base import Adapter, BackendSettings
from jobdeck.errors import Unreachable
from jobdeck.model import Job

PYTHON = sys.executable
RED = "\x1b[31m"
RESET = "\x1b[0m"


class BrokenSettings(BackendSettings):
    kind: Literal["broken"] = "broken"


class BrokenAdapter(Adapter):
    """A backend that is never reachable."""

    kind = "broken"
    Settings = BrokenSettings

    async def list_jobs(self) -> list[Job]:
        raise Unreachable("connection refused (10.0.0.9:443)")


registry.register("broken", BrokenAdapter)


@dataclass(frozen=True)
class Sandbox:
    data_dir: Path
    config_dir: Path

    @property
    def env(self) -> dict[str, str]:
        return {"JOBDECK_DATA_DIR": str(self.data_dir), "JOBDECK_CONFIG_DIR": str(self.config_dir)}


def jobdeck(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m jobdeck ARGS`` as a user would, in the sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBDECK_")} | sandbox.env
    return subprocess.run(
        [PYTHON, "-m", "jobdeck", *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def finished_jobs(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    """A data folder whose default spool holds a succeeded job (coloured output) and a failed one."""
    root = tmp_path_factory.mktemp("cli")
    sandbox = Sandbox(data_dir=root / "data", config_dir=root / "config")
    greet = f"print('hello from greet'); print('{RED}red{RESET} text')"
    assert jobdeck(sandbox, "run", "--name", "greet", "--", PYTHON, "-c", greet).returncode == 0
    crash = "import sys; print('about to fail'); sys.exit(4)"
    assert jobdeck(sandbox, "run", "--name", "crash", "--", PYTHON, "-c", crash).returncode == 4
    return sandbox


@pytest.fixture
def in_sandbox(finished_jobs: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    for name in ("JOBDECK_CONFIG", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in finished_jobs.env.items():
        monkeypatch.setenv(name, value)
    yield finished_jobs


@pytest.fixture
def empty_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    sandbox = Sandbox(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    return sandbox


def listed(*args: str) -> list[dict[str, Any]]:
    result = invoke("ls", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def ref_of(name: str) -> str:
    return next(job["ref"] for job in listed("--all") if job["name"] == name)


# -- help and version ----------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["run"], ["ls"], ["logs"], ["info"], ["demo"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = invoke(*command, "--help")

    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: jobdeck")


def test_ls_help_documents_the_exit_code_of_a_failing_backend() -> None:
    assert "exit code is 1" in invoke("ls", "--help").stdout


def test_version_prints_the_package_version() -> None:
    from importlib.metadata import version

    result = invoke("--version")

    assert result.exit_code == 0
    assert result.stdout.strip() == f"jobdeck {version('jobdeck')}"


# -- run -------------------------------------------------------------------------------------


def test_run_exits_with_the_commands_exit_code(empty_sandbox: Sandbox) -> None:
    result = jobdeck(empty_sandbox, "run", "--", PYTHON, "-c", "import sys; sys.exit(7)")

    assert result.returncode == 7


def test_run_without_a_command_is_a_usage_error(empty_sandbox: Sandbox) -> None:
    result = invoke("run", "--name", "nothing")

    assert result.exit_code == 2
    assert "missing the command to run" in result.stderr


def test_run_reports_an_option_it_does_not_know_instead_of_running_it(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    spool = tmp_path / "spool"

    result = invoke("run", "--spool", str(spool), "--nmae", "backup", "--", "true")

    assert result.exit_code == 2
    assert "No such option '--nmae'" in result.stderr
    assert not spool.exists()


def test_run_leaves_the_commands_own_options_to_it(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()

    result = jobdeck(empty_sandbox, "run", "--spool", str(spool), PYTHON, "-c", "import sys; sys.exit(5)")

    assert result.returncode == 5


def test_run_puts_the_job_in_the_spool_given(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    spool = tmp_path / "elsewhere"
    spool.mkdir()

    result = jobdeck(empty_sandbox, "run", "--name", "here", "--spool", str(spool), "--", PYTHON, "-c", "pass")

    assert result.returncode == 0
    assert len([p for p in spool.iterdir() if not p.name.startswith(".")]) == 1


def test_a_hidden_rerun_option_runs_a_spooled_job_again(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    crash = "import sys; print('again'); sys.exit(4)"
    assert jobdeck(empty_sandbox, "run", "--spool", str(spool), "--", PYTHON, "-c", crash).returncode == 4
    [job_id] = [p.name for p in spool.iterdir() if not p.name.startswith(".")]

    result = jobdeck(empty_sandbox, "run", "--spool", str(spool), "--rerun", job_id)

    assert result.returncode == 4
    assert "--rerun" not in invoke("run", "--help").stdout


def test_run_refuses_both_a_rerun_and_a_command(empty_sandbox: Sandbox) -> None:
    result = invoke("run", "--rerun", "abc", "--", "true")

    assert result.exit_code == 2
    assert "not both" in result.stderr


# -- ls ----------------------------------------------------------------------------------------


def test_ls_json_lists_every_job_in_the_public_shape(in_sandbox: Sandbox) -> None:
    jobs = listed()

    assert sorted(job["name"] for job in jobs) == ["crash", "greet"]
    for job in jobs:
        assert {
            "ref", "backend", "id", "name", "state", "raw_state",
            "created", "started", "ended", "progress", "counts", "archived",
        } <= set(job)
        assert job["ref"] == f"{job['backend']}/{job['id']}"
        assert job["backend"] == "local"
        assert job["archived"] is False
    states = {job["name"]: job["state"] for job in jobs}
    assert states == {"greet": "succeeded", "crash": "failed"}


def test_ls_json_says_a_job_of_a_backend_without_groups_is_in_none(in_sandbox: Sandbox) -> None:
    assert [job["group"] for job in listed()] == [None, None]


def test_ls_json_says_whether_the_backend_still_lists_each_job(in_sandbox: Sandbox) -> None:
    # One poll lists what the backend has: no job is gone from it yet.
    assert [(job["gone"], job["gone_since"]) for job in listed()] == [(False, None), (False, None)]


def test_ls_state_keeps_only_jobs_in_that_state(in_sandbox: Sandbox) -> None:
    assert [job["name"] for job in listed("--state", "failed")] == ["crash"]
    assert listed("--state", "running") == []


def test_ls_rejects_a_state_that_does_not_exist(in_sandbox: Sandbox) -> None:
    result = invoke("ls", "--state", "exploded")

    assert result.exit_code == 2
    assert "exploded" in result.stderr


def test_ls_prints_a_table_with_state_ref_name_and_age(in_sandbox: Sandbox) -> None:
    result = invoke("ls")

    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["STATE", "REF", "NAME", "AGE", "COUNTS"]
    assert any("failed" in row and "crash" in row and "local/" in row for row in rows)
    assert any("succeeded" in row and "greet" in row for row in rows)


def test_ls_rejects_a_backend_that_is_not_configured(in_sandbox: Sandbox) -> None:
    result = invoke("ls", "--backend", "nowhere")

    assert result.exit_code == 2
    assert "no backend named nowhere" in result.stderr


def test_ls_names_a_failing_backend_and_still_lists_the_others(in_sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[backends]]\nkind = "local"\nname = "local"\n[[backends]]\nkind = "broken"\nname = "flaky"\n'
    )

    result = invoke("--config", str(config), "ls", "--json")

    assert result.exit_code == 1
    assert "backend flaky failed" in result.stderr
    assert "connection refused" in result.stderr
    assert sorted(job["name"] for job in json.loads(result.stdout)) == ["crash", "greet"]


# -- logs ----------------------------------------------------------------------------------------


def test_logs_prints_a_jobs_log_by_ref(in_sandbox: Sandbox) -> None:
    result = invoke("logs", ref_of("crash"))

    assert result.exit_code == 0
    assert result.stdout == "about to fail\n"


def test_logs_accepts_a_bare_id_when_it_is_unambiguous(in_sandbox: Sandbox) -> None:
    job_id = ref_of("crash").partition("/")[2]

    assert invoke("logs", job_id).stdout == "about to fail\n"


def test_logs_drops_colours_when_not_on_a_terminal(in_sandbox: Sandbox) -> None:
    result = invoke("logs", ref_of("greet"))

    assert "\x1b" not in result.stdout
    assert "red text" in result.stdout


def test_logs_keeps_colours_when_asked(in_sandbox: Sandbox) -> None:
    result = invoke("logs", "--colour", ref_of("greet"))

    # The colour survives (make_safe may re-encode the SGR sequence, e.g. as ESC[0;31m).
    assert re.search("\x1b\\[[0-9;]*31mred", result.stdout)


def test_logs_follow_ends_when_the_job_has_ended(in_sandbox: Sandbox) -> None:
    result = invoke("logs", "-f", ref_of("crash"))

    assert result.exit_code == 0
    assert "about to fail" in result.stdout


def test_logs_of_an_unknown_ref_is_a_clear_error(in_sandbox: Sandbox) -> None:
    result = invoke("logs", "local/no-such-job")

    assert result.exit_code == 1
    assert "no job local/no-such-job" in result.stderr
    assert "Traceback" not in result.output


def test_logs_of_a_reference_to_a_backend_that_is_not_configured_names_the_backend(in_sandbox: Sandbox) -> None:
    result = invoke("logs", "drp/123")

    assert result.exit_code == 2  # a usage error, as `wait` says it
    assert result.stderr == "jobdeck: no backend 'drp' (configured: local; see `jobdeck info`)\n"


# -- info ----------------------------------------------------------------------------------------------


def test_info_lists_every_path_and_each_backend_with_its_health(in_sandbox: Sandbox) -> None:
    result = invoke("info")

    assert result.exit_code == 0
    out = result.stdout
    for label in ("config file", "config dir", "data dir", "spool", "archive", "action log", "themes dir", "cache dir",
                  "time zone"):
        assert label in out
    assert str(in_sandbox.data_dir) in out
    assert "not found, defaults in use" in out
    assert "backend local" in out
    assert "health" in out and "ok" in out


def test_info_shows_where_screenshots_are_saved(in_sandbox: Sandbox) -> None:
    rows = [line.split() for line in invoke("info").stdout.splitlines()]

    assert ["screenshots", str(in_sandbox.data_dir / "screenshots")] in rows


def test_info_warns_of_a_theme_the_deck_does_not_have(in_sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('theme = "no-such-theme"\n')

    result = invoke("--config", str(config), "info")

    assert result.exit_code == 0
    assert "no-such-theme (warning: no such theme; the deck would start with textual-dark)" in result.stdout


@pytest.mark.parametrize("theme", ["jobdeck-light", "nord"])
def test_info_shows_a_theme_the_deck_has_without_a_warning(in_sandbox: Sandbox, tmp_path: Path, theme: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'theme = "{theme}"\n')

    rows = [line.split() for line in invoke("--config", str(config), "info").stdout.splitlines()]

    assert [row for row in rows if row[:1] == ["theme"]] == [["theme", theme]]


def test_info_shows_a_failing_backends_error(in_sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[backends]]\nkind = "broken"\nname = "flaky"\ninterval = 5\n')

    result = invoke("--config", str(config), "info")

    assert result.exit_code == 0
    assert "backend flaky" in result.stdout
    assert "connection refused" in result.stdout
    assert f"{config} (exists)" in result.stdout


# -- errors ---------------------------------------------------------------------------------------------


def test_a_bad_config_exits_2_with_the_message_and_no_traceback(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[backends]]\nkind = "local"\nname = "x"\ninterval = -1\n')

    result = jobdeck(empty_sandbox, "--config", str(config), "ls")

    assert result.returncode == 2
    assert result.stderr.strip() == f"jobdeck: {config}: backends[0].interval: Input should be greater than 0 (got -1)"
    assert "Traceback" not in result.stdout + result.stderr


def test_a_missing_explicit_config_exits_2(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    result = invoke("--config", str(tmp_path / "nope.toml"), "info")

    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_an_unexpected_error_is_one_line_and_the_traceback_goes_to_the_log(
    empty_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("jobdeck.cli.info.local_spool", explode)

    result = invoke("info")

    log_file = empty_sandbox.data_dir / "jobdeck.log"
    assert result.exit_code == 1
    assert result.stderr == f"jobdeck: internal error: kaboom (details in {log_file})\n"
    assert "Traceback" in log_file.read_text()
    assert "RuntimeError: kaboom" in log_file.read_text()


# -- the deck --------------------------------------------------------------------------------------------


@pytest.fixture
def deck_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replaces the deck's entry point so the tests see how it would be opened."""
    calls: list[dict[str, Any]] = []

    def run_deck(settings: Any, *, read_only: bool, kiosk: bool, saved_views: Any = None) -> int:
        calls.append({"settings": settings, "read_only": read_only, "kiosk": kiosk, "saved_views": saved_views})
        return 0

    monkeypatch.setattr("jobdeck.wiring.run_deck", run_deck)
    return calls


def test_no_command_opens_the_deck_interactive(empty_sandbox: Sandbox, deck_calls: list[dict[str, Any]]) -> None:
    assert invoke().exit_code == 0

    [call] = deck_calls
    assert (call["read_only"], call["kiosk"], call["settings"].mode) == (False, False, "interactive")


def test_kiosk_implies_read_only(empty_sandbox: Sandbox, deck_calls: list[dict[str, Any]]) -> None:
    invoke("--kiosk")

    [call] = deck_calls
    assert (call["read_only"], call["kiosk"], call["settings"].mode) == (True, True, "kiosk")


def test_the_configured_mode_applies_unless_a_flag_is_stricter(
    empty_sandbox: Sandbox, deck_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('mode = "read-only"\n')

    invoke("--config", str(config))
    invoke("--config", str(config), "--kiosk")

    assert [(c["read_only"], c["kiosk"]) for c in deck_calls] == [(True, False), (True, True)]


def test_theme_flag_overrides_the_config(empty_sandbox: Sandbox, deck_calls: list[dict[str, Any]]) -> None:
    invoke("--theme", "nord")

    assert deck_calls[0]["settings"].theme == "nord"


def test_the_config_env_var_is_used_by_the_deck(
    empty_sandbox: Sandbox, deck_calls: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "wall.toml"
    config.write_text('theme = "dracula"\n')
    monkeypatch.setenv("JOBDECK_CONFIG", str(config))

    invoke()

    assert deck_calls[0]["settings"].config_path == config
