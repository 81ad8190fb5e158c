"""Opening a log at its tail without reading it whole."""

from __future__ import annotations

import sys
from pathlib import Path

from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.local.logtail import tail_offset
from jobdeck.local.runner import run_job


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "log"
    path.write_bytes(data)
    return path


def test_the_offset_is_where_the_last_lines_begin(tmp_path):
    path = write(tmp_path, b"one\ntwo\nthree\nfour\n")
    assert tail_offset(path, 2) == len(b"one\ntwo\n")
    assert tail_offset(path, 4) == 0
    assert tail_offset(path, 10) == 0


def test_an_unfinished_last_line_counts_as_a_line(tmp_path):
    path = write(tmp_path, b"one\ntwo\nthree")
    assert tail_offset(path, 1) == len(b"one\ntwo\n")


def test_before_pages_back_from_an_earlier_offset(tmp_path):
    path = write(tmp_path, b"one\ntwo\nthree\nfour\n")
    start = tail_offset(path, 2)
    assert tail_offset(path, 1, before=start) == len(b"one\n")


def test_lines_longer_than_a_read_block_are_found(tmp_path):
    long_line = b"x" * 200_000 + b"\n"
    path = write(tmp_path, b"first\n" + long_line + b"last\n")
    assert tail_offset(path, 2) == len(b"first\n")


def test_the_scan_stops_at_its_limit_on_a_line_start_when_it_saw_one(tmp_path):
    path = write(tmp_path, b"a" * 100_000 + b"\n" + b"b\n" * 10)
    assert tail_offset(path, 1000, max_scan=1000) == 100_001


def test_a_missing_file_starts_at_zero(tmp_path):
    assert tail_offset(tmp_path / "nope", 5) == 0


async def test_the_local_adapter_gives_the_tail_of_the_latest_run(tmp_path):
    script = "print('\\n'.join(f'line {i}' for i in range(100)))"
    run_job([sys.executable, "-c", script], name="many", spool=tmp_path, echo=False)
    adapter = LocalAdapter(LocalSettings(spool=tmp_path))
    [job] = await adapter.list_jobs()
    start = await adapter.log_tail_offset(job.id, 3)
    chunk = await adapter.read_log(job.id, start)
    assert chunk.text == "line 97\nline 98\nline 99\n"
