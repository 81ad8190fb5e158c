"""Slurm's commands (squeue, sacct, scontrol, scancel) run as subprocesses of the event
loop, never on the UI's thread and never for longer than the settings' ``command_timeout``.

Their failures become ``jobdeck.errors`` kinds with Slurm's own words: a command
missing from PATH, slurmctld or munge down (``Unreachable``: the monitor backs off
and the deck keeps running until Slurm answers again), an unknown job (``NotFound``).
``SLURM_CONF`` is the environment's, as for any Slurm client.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass

from jobdeck.errors import AdapterError, NotFound, Unreachable

#: Slurm's words for a job id it does not know.
UNKNOWN_JOB = re.compile(r"invalid job id|job id .* not found|does not exist", re.IGNORECASE)
#: Slurm's words when it cannot be reached at all (controller, slurmdbd or munge down).
DOWN = re.compile(
    r"unable to contact|connection refused|munge|communication|could not establish a configuration source|"
    r"socket timed out|zero bytes|slurmdbd|timed out",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Output:
    code: int
    stdout: bytes
    stderr: str

    @property
    def said(self) -> str:
        """The first lines of what the command said on stderr (for messages)."""
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        return " ".join(lines[:2])[:300]


async def run(backend: str, *argv: str, timeout: float, check: bool = True) -> Output:
    """``argv`` run with the environment's SLURM_CONF; Unreachable when it cannot run or times out,
    and (with ``check``) when it fails: NotFound when Slurm says the job id is unknown."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "SLURM_TIME_FORMAT": "%s"},
        )
    except FileNotFoundError:
        raise Unreachable(f"{backend}: Slurm's {argv[0]} is not on PATH") from None
    except OSError as exc:
        raise Unreachable(f"{backend}: cannot run Slurm's {argv[0]}: {exc.strerror or exc}") from None
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise Unreachable(f"{backend}: {argv[0]} gave no answer within {timeout:g} s") from None
    except asyncio.CancelledError:
        if process.returncode is None:
            process.kill()
        raise
    output = Output(process.returncode or 0, stdout, stderr.decode(errors="replace"))
    if check and output.code != 0:
        raise command_error(backend, argv[0], output)
    return output


def command_error(backend: str, command: str, output: Output) -> AdapterError:
    said = output.said or f"exit status {output.code}"
    if UNKNOWN_JOB.search(said):
        return NotFound(f"{backend}: {command}: {said}")
    if DOWN.search(said):
        return Unreachable(f"{backend}: Slurm cannot be reached: {said}")
    return Unreachable(f"{backend}: {command} failed: {said}")


def show_job_fields(text: str) -> dict[str, str]:
    """``scontrol show job`` text as its ``Key=Value`` fields (the first record's).

    A value runs to the next `` Key=`` on its line; ``StdOut``, ``StdErr`` and
    ``WorkDir`` take their whole line (paths may hold spaces).
    """
    fields: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        stripped = line.strip()
        key, sep, value = stripped.partition("=")
        if sep and key in ("StdOut", "StdErr", "StdIn", "WorkDir", "Command", "Comment"):
            fields[key] = value
            continue
        for match in re.finditer(r"([A-Za-z_/:]+)=(\S*(?:\s(?![A-Za-z_/:]+=)\S+)*)", stripped):
            fields.setdefault(match.group(1), match.group(2))
    return fields
