"""Local jobs report counts and progress with ``::jobdeck`` lines in their output."""

from __future__ import annotations

import sys
from pathlib import Path

from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.local.progress import ProgressScanner, parse_marker
from jobdeck.local.runner import run_job
from jobdeck.model import Counts


def test_a_marker_line_gives_its_values():
    assert parse_marker(b"::jobdeck succeeded=9 failed=1 total=12\n") == {
        "succeeded": 9,
        "failed": 1,
        "total": 12,
    }
    assert parse_marker(b"  ::jobdeck progress=42.5%\r\n") == {"progress": 42.5}


def test_other_lines_and_bad_values_are_ignored():
    assert parse_marker(b"echo ::jobdeck progress=5") == {}
    assert parse_marker(b"::jobdeck progress=150 failed=-1 total=many colour=red succeeded=3") == {
        "succeeded": 3
    }
    assert parse_marker(b"::jobdeckprogress=5") == {}


def test_the_scanner_finds_markers_split_across_chunks():
    scanner = ProgressScanner()
    assert scanner.feed(b"working\n::jobd") == {}
    assert scanner.feed(b"eck progress=10\n::jobdeck progress=") == {"progress": 10.0}
    assert scanner.feed(b"20\n") == {"progress": 20.0}


def test_a_later_marker_in_the_same_chunk_wins():
    scanner = ProgressScanner()
    assert scanner.feed(b"::jobdeck failed=1\n::jobdeck failed=2 total=5\n") == {"failed": 2, "total": 5}


def test_the_end_of_a_very_long_line_never_passes_for_a_marker():
    scanner = ProgressScanner()
    scanner.feed(b"x" * 10_000)
    assert scanner.feed(b"::jobdeck progress=50\n") == {}


async def test_a_job_that_reports_shows_its_counts_and_progress(tmp_path: Path):
    script = (
        "print('::jobdeck total=4 succeeded=0 failed=0');"
        "print('::jobdeck succeeded=3 failed=1 progress=100')"
    )
    assert run_job([sys.executable, "-c", script], name="counted", spool=tmp_path, echo=False) == 0
    adapter = LocalAdapter(LocalSettings(spool=tmp_path))
    [job] = await adapter.list_jobs()
    assert job.counts == Counts(total=4, succeeded=3, failed=1)
    assert job.progress == 100.0
    [run] = await adapter.list_runs(job.id)
    assert run.counts == job.counts
    # The marker lines stay in the log: nothing the job printed is hidden.
    assert "::jobdeck succeeded=3" in (await adapter.read_log(job.id)).text


async def test_a_job_that_reports_nothing_has_no_counts(tmp_path: Path):
    run_job([sys.executable, "-c", "print('hi')"], name="plain", spool=tmp_path, echo=False)
    [job] = await LocalAdapter(LocalSettings(spool=tmp_path)).list_jobs()
    assert job.counts is None and job.progress is None
