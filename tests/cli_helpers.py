"""Running the ``jobdeck`` command in-process, for the CLI tests."""

from __future__ import annotations

from click.testing import CliRunner, Result

from jobdeck.cli import cli


def invoke(*args: str) -> Result:
    """``jobdeck *args`` through click's CliRunner: its exit code and output."""
    return CliRunner().invoke(cli, list(args), prog_name="jobdeck")
