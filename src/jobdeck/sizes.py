"""Byte counts for people."""

from __future__ import annotations

from collections.abc import Sequence

#: Bytes, then each step of 1024: ``812 B``, ``3.4 KiB``.
BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def byte_size(size: int, units: Sequence[str] = BINARY_UNITS, *, grouping: str = "") -> str:
    """``size`` in the first of ``units`` that keeps it under 1024, each unit 1024 times the one before.

    ``units[0]`` is the byte: below 1024 the count is whole (``grouping`` is its format
    spec: ``","`` gives ``1,000``); above, it has one decimal (``3.4 KiB``). The last unit
    takes all that is larger.
    """
    if size < 1024:
        return f"{size:{grouping}} {units[0]}"
    value = size / 1024
    for unit in units[1:-1]:
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {units[-1]}"
