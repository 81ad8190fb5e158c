"""The shared byte-count formatter (the log pane's "KB", Istari's "KiB")."""

from __future__ import annotations

import pytest

from jobdeck.sizes import byte_size

LOG_UNITS = ("bytes", "KB", "MB", "GB")


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1000, "1000 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (3482, "3.4 KiB"),
        (1024**2 - 1, "1024.0 KiB"),
        (5 * 1024**3, "5.0 GiB"),
        (3 * 1024**5, "3072.0 TiB"),  # the last unit takes all that is larger
    ],
)
def test_binary_units_by_default(size: int, text: str) -> None:
    assert byte_size(size) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (812, "812 bytes"),
        (1000, "1,000 bytes"),
        (4096, "4.0 KB"),
        (16 * 1024**2, "16.0 MB"),
        (2 * 1024**4, "2048.0 GB"),
    ],
)
def test_other_unit_names_and_grouped_whole_bytes(size: int, text: str) -> None:
    assert byte_size(size, LOG_UNITS, grouping=",") == text
