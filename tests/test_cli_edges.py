"""The edges of the jobdeck command line: a reader that goes away (``jobdeck ls | head``),
spool folders that do not exist, empty paths, and config text that must not reach the terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import invoke

from jobdeck.local.runner import run_job

PYTHON = sys.executable
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def one_job(sandbox: dict[str, str]) -> dict[str, str]:
    """The sandbox with one finished job, "greet", in its default spool."""
    spool = Path(sandbox["JOBDECK_DATA_DIR"]) / "spool"
    assert run_job([PYTHON, "-c", "print('hello')"], name="greet", spool=spool, echo=False) == 0
    return sandbox


def jobdeck_into_a_closed_pipe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m jobdeck ARGS`` with stdout a pipe whose reader has already gone, as after `| head`."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # before the start: the first write fails, whatever the timing
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JOBDECK_")} | env
    try:
        return subprocess.run(
            [PYTHON, "-m", "jobdeck", *args], env=environ, stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)


# -- a reader that goes away ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["ls"], ["ls", "--json"], ["info"], ["logs", "greet"], ["--help"], ["ls", "--help"]], ids=" ".join
)
def test_a_closed_pipe_ends_a_command_quietly_with_the_sigpipe_code(one_job: dict[str, str], args: list[str]) -> None:
    result = jobdeck_into_a_closed_pipe(one_job, *args)

    assert (result.returncode, result.stderr) == (141, "")


# -- spool folders ------------------------------------------------------------------------------------


def test_run_in_a_spool_folder_that_does_not_exist_is_a_usage_error_and_creates_nothing(
    sandbox: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "nonexistent" / "x"

    result = invoke("run", "--spool", str(missing), "--", "true")

    assert result.exit_code == 2
    assert result.stderr == f"jobdeck: spool folder {missing} does not exist\n"
    assert not missing.parent.exists()


def test_a_rerun_in_a_spool_folder_that_does_not_exist_is_a_usage_error(
    sandbox: dict[str, str], tmp_path: Path
) -> None:
    result = invoke("run", "--spool", str(tmp_path / "gone"), "--rerun", "20260101-000000-abcd")

    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_run_in_a_spool_that_is_a_file_is_a_usage_error(sandbox: dict[str, str], tmp_path: Path) -> None:
    spool = tmp_path / "file"
    spool.write_text("")

    result = invoke("run", "--spool", str(spool), "--", "true")

    assert result.exit_code == 2
    assert "is a file" in result.stderr


def test_the_default_spool_folder_is_created_by_the_first_run(sandbox: dict[str, str]) -> None:
    spool = Path(sandbox["JOBDECK_DATA_DIR"]) / "spool"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JOBDECK_")} | sandbox

    done = subprocess.run([PYTHON, "-m", "jobdeck", "run", "--", "true"], env=environ, capture_output=True, timeout=60)

    assert done.returncode == 0
    assert len(list(spool.iterdir())) == 1


def test_run_in_the_configs_spool_that_does_not_exist_says_where_it_was_named(
    sandbox: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "typo"
    config = tmp_path / "config.toml"
    config.write_text(f'[[backends]]\nkind = "local"\nspool = "{missing}"\n')

    result = invoke("--config", str(config), "run", "--", "true")

    assert result.exit_code == 2
    assert result.stderr == f"jobdeck: spool folder {missing} does not exist (the local backend's spool in {config})\n"
    assert not missing.exists()


def test_run_in_the_configs_spool_that_is_a_file_is_a_usage_error(sandbox: dict[str, str], tmp_path: Path) -> None:
    spool = tmp_path / "file"
    spool.write_text("")
    config = tmp_path / "config.toml"
    config.write_text(f'[[backends]]\nkind = "local"\nspool = "{spool}"\n')

    result = invoke("--config", str(config), "run", "--", "true")

    assert (result.exit_code, result.stderr) == (
        2, f"jobdeck: spool {spool} is not a folder (the local backend's spool in {config})\n"
    )


def test_ls_names_a_configured_spool_that_does_not_exist_and_leaves_it_so(
    sandbox: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "typo"
    config = tmp_path / "config.toml"
    config.write_text(f'[[backends]]\nkind = "local"\nspool = "{missing}"\n')

    result = invoke("--config", str(config), "ls")

    assert result.exit_code == 1
    assert "backend local failed" in result.stderr
    assert f"spool folder {missing} does not exist" in result.stderr
    assert not missing.exists()


# -- empty paths -------------------------------------------------------------------------------------


def test_an_empty_spool_is_a_usage_error_not_the_current_folder(
    sandbox: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = invoke("run", "--spool", "", "--", "true")

    assert result.exit_code == 2
    assert "--spool" in result.stderr and "empty" in result.stderr
    assert {path.name for path in tmp_path.iterdir()} <= {"data", "config"}  # no job folder


def test_an_empty_config_path_is_a_usage_error(sandbox: dict[str, str]) -> None:
    result = invoke("--config", "", "info")

    assert result.exit_code == 2
    assert "--config" in result.stderr and "empty" in result.stderr


# -- config text on the terminal -------------------------------------------------------------------------


def test_a_bad_config_reaches_the_terminal_without_its_control_characters(
    sandbox: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '"\\u001b]52;c;aGk=\\u0007" = 1\nmode = "\\u001b[2J"\n[[backends]]\nkind = "local"\n"\\u009b6n" = 2\n'
    )

    result = invoke("--config", str(config), "ls")

    assert result.exit_code == 2
    assert not CONTROL.search(result.stderr), result.stderr
    assert len(result.stderr.splitlines()) == 3


def test_a_config_with_thousands_of_problems_prints_a_screenful(sandbox: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("".join(f"key_{i} = {i}\n" for i in range(5_000)))

    result = invoke("--config", str(config), "info")

    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 21
    assert lines[-1] == f"{config}: ... and 4980 more problems"


# -- numbers out of range ---------------------------------------------------------------------------------


@pytest.mark.parametrize("speed", ["nan", "inf", "1e308"])
def test_an_emulator_speed_that_is_not_a_usable_number_is_a_usage_error(sandbox: dict[str, str], speed: str) -> None:
    result = invoke("emulate", "julep", "--speed", speed)

    assert result.exit_code == 2
    assert "--speed" in result.stderr
