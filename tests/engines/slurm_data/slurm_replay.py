"""Slurm's commands answered from a recording (record_screenshot.py): what a real Slurm said,
said again, so the deck's snapshot of Slurm runs every line of the adapter's cli mode
(its subprocesses included) without a Slurm.

Run as ``slurm_replay.py COMMAND ARG...`` by the small ``squeue``/``sacct``/``scontrol``/
``scancel`` executables a test puts on PATH (see ``replay_path``). ``REPLAY_RECORDED`` is
the recording's folder; ``REPLAY_LOGS`` where the jobs' output files are: ``scontrol show
job`` names them there. Anything that would change the cluster is refused, as Slurm
refuses a user who may not.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

#: The folder the recording names for the jobs' files (record_screenshot.REPLAYED_FOLDER).
RECORDED_FOLDER = "/scratch/ana/renders"
COMMANDS = ("squeue", "sacct", "scontrol", "scancel")


def answer(recorded: Path, logs: str, command: str, args: list[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``command args`` as the recorded Slurm answered."""
    if command == "squeue" and args == ["--version"]:
        return 0, (recorded / "version.txt").read_text(), ""
    if command == "squeue" and args == ["--json"]:
        return 0, (recorded / "squeue.json").read_text(), ""
    if command == "sacct":
        return 0, (recorded / "sacct.txt").read_text(), ""
    if command == "scontrol" and args[:2] == ["show", "job"] and len(args) == 3:
        shown = recorded / "scontrol" / f"{Path(args[2]).name}.txt"
        if shown.is_file():
            return 0, shown.read_text().replace(RECORDED_FOLDER, logs), ""
        return 1, "", "slurm_load_jobs error: Invalid job id specified\n"
    return 1, "", f"{command}: Access/permission denied (a recorded Slurm changes nothing)\n"


def replay_path(folder: Path, recorded: Path, logs: Path) -> Path:
    """A folder of executables named as Slurm's commands, each replaying ``recorded``; put it first on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    for command in COMMANDS:
        script = folder / command
        script.write_text(
            f"#!/bin/sh\nREPLAY_RECORDED='{recorded}' REPLAY_LOGS='{logs}' "
            f"exec '{sys.executable}' '{Path(__file__).resolve()}' {command} \"$@\"\n"
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def main() -> int:
    code, out, err = answer(Path(os.environ["REPLAY_RECORDED"]), os.environ["REPLAY_LOGS"], sys.argv[1], sys.argv[2:])
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main())
