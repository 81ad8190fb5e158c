"""Log files the benchmark reads, generated once into ``.bench-cache/`` and reused.

Every line starts with ``L`` and its zero-padded number, so a frame can be
searched for the line it shows (``line_tag``).
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repo's ignored cache folder (see .gitignore).
CACHE = Path(__file__).resolve().parent.parent / ".bench-cache"

GIGABYTE = 1 << 30
_BLOCK_LINES = 50_000


def line_tag(number: int) -> str:
    """The text that starts line ``number`` (0-based)."""
    return f"L{number:010d}"


def log_line(number: int) -> str:
    """A realistic ~90-byte log line."""
    return (
        f"{line_tag(number)} 2026-11-22T11:{(number // 60_000) % 60:02d}:{(number // 1000) % 60:02d}."
        f"{number % 1000:03d}Z INFO worker-{number % 16:02d} processed batch rows={number % 9973:4d} "
        f"took={number % 997:3d}ms\n"
    )


def _write_lines(path: Path, *, lines: int | None = None, size: int | None = None) -> int:
    """Write lines to ``path`` until ``lines`` lines or ``size`` bytes; returns the line count."""
    tmp = path.with_suffix(".partial")
    number = 0
    written = 0
    with open(tmp, "wb") as handle:
        while True:
            count = _BLOCK_LINES if lines is None else min(_BLOCK_LINES, lines - number)
            if count <= 0:
                break
            block = "".join(log_line(n) for n in range(number, number + count)).encode()
            if size is not None and written + len(block) >= size:
                break
            handle.write(block)
            written += len(block)
            number += count
    os.replace(tmp, path)
    return number


def lines_log(lines: int) -> tuple[Path, int]:
    """A log of exactly ``lines`` lines (cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"lines-{lines}.log"
    if not path.exists():
        _write_lines(path, lines=lines)
    return path, lines


def big_log(size: int = GIGABYTE) -> tuple[Path, int]:
    """A log of about ``size`` bytes (whole blocks of lines, cached); (path, line count)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"big-{size}.log"
    count_file = path.with_suffix(".lines")
    if not path.exists() or not count_file.exists():
        count = _write_lines(path, size=size)
        count_file.write_text(str(count))
    return path, int(count_file.read_text())
