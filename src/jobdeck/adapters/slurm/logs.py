"""A Slurm job's log: the file its StdOut (or StdErr) names, read where the deck runs.

The path is the one ``scontrol show job`` gives, expanded by Slurm; for a job the
controller has forgotten, the job's own pattern is expanded here (``%j %x %u %A
%a %N %%``, with widths such as ``%4a``), and a job without one gets Slurm's
default, ``slurm-%j.out`` (``slurm-%A_%a.out`` for an array task) in its working
folder. The file is read only if it is a regular file; when it cannot be read
(not there: written on another node's disk; permission), the chunk says why.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from jobdeck.adapters.kit.logtext import read_from
from jobdeck.adapters.slurm.wire import SlurmRecord
from jobdeck.model import LogChunk

_PATTERN = re.compile(r"%(\d*)([jJxuAaNnst%])")


def expand(pattern: str, record: SlurmRecord) -> str:
    """Slurm's filename pattern with this job's values put in."""
    array = record.array_job_id is not None and record.array_task_id is not None

    def value(match: re.Match[str]) -> str:
        width, key = match.group(1), match.group(2)
        if key == "%":
            return "%"
        values = {
            "j": str(record.job_id),
            "J": f"{record.job_id}.batch",
            "x": record.name,
            "u": record.user or "",
            "A": str(record.array_job_id if array else record.job_id),
            "a": str(record.array_task_id) if array else "4294967294",
            "N": (record.nodes or "").split(",")[0],
            "n": "0",
            "t": "0",
            "s": "batch",
        }
        text = values[key]
        return text.zfill(int(width)) if width and text.isdigit() else text

    return _PATTERN.sub(value, pattern)


def default_pattern(record: SlurmRecord) -> str:
    return "slurm-%A_%a.out" if record.array_job_id and record.array_task_id is not None else "slurm-%j.out"


def log_path(record: SlurmRecord, stream: str, shown: dict[str, str] | None) -> Path | None:
    """Where ``stream``'s file is: as ``scontrol show job`` said (``shown``), else the pattern expanded."""
    if shown:
        given = shown.get("StdErr" if stream == "stderr" else "StdOut")
        if given and given != "(null)":
            return Path(given)
    pattern = record.stderr if stream == "stderr" else record.stdout
    if not pattern:
        pattern = record.stdout or default_pattern(record)  # stderr goes with stdout unless it was given
    if pattern in ("/dev/null",):
        return Path(pattern)
    path = Path(expand(pattern, record))
    if not path.is_absolute():
        if not record.workdir:
            return None
        path = Path(record.workdir) / path
    return path


def read_file(path: Path, offset: int, *, final: bool, pending: bool) -> LogChunk:
    """The text of ``path`` from ``offset`` (blocking: run on a thread), or a notice saying why not."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if pending:
            return LogChunk(text="", offset=offset, notice=f"the job has not started; its log will be {path}")
        words = f"{path} is not on this machine (written on the job's node, or removed)"
        return LogChunk(text="", offset=offset, notice=words, complete=final)
    except PermissionError:
        return LogChunk(text="", offset=offset, notice=f"cannot read {path}: permission denied", complete=final)
    except OSError as exc:
        return LogChunk(text="", offset=offset, notice=f"cannot read {path}: {exc.strerror}", complete=final)
    if not stat.S_ISREG(info.st_mode):
        return LogChunk(text="", offset=offset, notice=f"{path} is not a regular file; not read", complete=True)
    try:
        piece = read_from(path, offset, final=final)
    except PermissionError:
        return LogChunk(text="", offset=offset, notice=f"cannot read {path}: permission denied", complete=final)
    except OSError as exc:
        return LogChunk(text="", offset=offset, notice=f"cannot read {path}: {exc.strerror}", complete=final)
    return LogChunk(text=piece.text, offset=piece.offset, complete=final and piece.at_end)
