"""RunDetail: one job's fields, counts and backend detail, always terminal-safe."""

from __future__ import annotations

import re
from datetime import timedelta

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from jobdeck.clock import FrozenClock
from jobdeck.model import Counts, Job, JobRef, JobState, Run
from jobdeck.ui.widgets.run_detail import RunDetail, flatten_detail, split_cells

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
NOW = FrozenClock().now()  # 2026-01-01 12:00:00 UTC


def a_job(**changes: object) -> Job:
    fields: dict[str, object] = {
        "ref": JobRef(backend="drp", id="job-42"),
        "name": "nightly build",
        "state": JobState.FAILED,
        "raw_state": "Errored",
        "created": NOW - timedelta(minutes=10),
        "started": NOW - timedelta(minutes=9, seconds=57),
        "ended": NOW - timedelta(minutes=2),
        "progress": 45,
        "counts": Counts(total=12, succeeded=9, failed=1),
        "error": "exit code 1",
        "labels": {"machine": "m1", "stage": "build"},
        "detail": {"bootenv": {"name": "ubuntu", "arch": {"bits": 64}}, "tags": ["a", "b"]},
    }
    fields.update(changes)
    return Job(**fields)  # type: ignore[arg-type]


class DetailApp(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield RunDetail()

    @property
    def detail(self) -> RunDetail:
        return self.query_one(RunDetail)


def rendered_rows(widget: RunDetail) -> list[str]:
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


async def show(
    app: DetailApp, pilot: object, job: Job | None, runs: list[Run] | None = None, *, ascii: bool = False
) -> list[str]:
    detail = app.detail
    detail.now = NOW
    detail.ascii = ascii
    detail.runs = runs or []
    detail.job = job
    await pilot.pause()  # type: ignore[attr-defined]
    return rendered_rows(detail)


def row(rows: list[str], label: str) -> str:
    """The rendered row whose label column says ``label``."""
    for line in rows:
        if line.startswith(label):
            return line
    raise AssertionError(f"no {label!r} row in {rows!r}")


async def test_without_a_job_it_asks_to_select_one() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await show(app, pilot, None)
        assert rows[0].strip() == "Select a job"


async def test_a_job_shows_its_identity_state_and_times() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, a_job())
        assert "nightly build" in row(rows, "Name")
        assert "drp/job-42" in row(rows, "Ref")
        assert "✗ failed (Errored)" in row(rows, "State")
        assert "2026-01-01 11:50:00 · 10m ago" in row(rows, "Created")
        assert "2026-01-01 11:50:03 · 9m ago" in row(rows, "Started")
        assert "2026-01-01 11:58:00 · 2m ago" in row(rows, "Ended")
        assert "7m57s" in row(rows, "Duration")


async def test_a_running_job_counts_its_duration_up_to_now() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, a_job(state=JobState.RUNNING, raw_state="running", ended=None))
        assert "9m57s" in row(rows, "Duration")
        assert "▶ running" in row(rows, "State")
        assert "(running)" not in row(rows, "State")  # raw state shown only when it differs
        assert not any(line.startswith("Ended") for line in rows)


async def test_counts_and_progress_have_bars_and_percentages() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, a_job())
        counts = row(rows, "Counts")
        assert "9✓ 1✗ /12" in counts
        assert "█" in counts and "▒" in counts and "░" in counts
        assert counts.rstrip().endswith("83%")
        progress = row(rows, "Progress")
        assert "█" in progress and progress.rstrip().endswith("45%")


async def test_the_counts_bar_is_sized_to_the_pane() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        wide = row(await show(app, pilot, a_job()), "Counts")
        await pilot.resize_terminal(40, 40)
        await pilot.pause()
        narrow = row(rendered_rows(app.detail), "Counts")

        def cells(line: str) -> int:
            return sum(line.count(glyph) for glyph in "█▒░")

        assert cells(narrow) < cells(wide)
        assert len(narrow.rstrip()) <= 40


async def test_ascii_mode_uses_plain_glyphs() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, a_job(), ascii=True)
        assert "x failed" in row(rows, "State")
        counts = row(rows, "Counts")
        assert "9 ok 1 fail /12" in counts and "#" in counts
        assert all(ord(char) < 128 for line in rows for char in line if char not in "·—…")


async def test_error_labels_archive_and_backend_fields_are_listed() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, a_job(archived=True, archived_by="jobdeck"))
        assert "exit code 1" in row(rows, "Error")
        labels = rows.index(row(rows, "Labels"))
        assert "machine: m1" in rows[labels] and "stage: build" in rows[labels + 1]
        assert "archived in jobdeck" in row(rows, "Archived")
        assert "Backend fields" in "\n".join(rows)
        assert "ubuntu" in row(rows, "bootenv.name")
        assert "64" in row(rows, "bootenv.arch.bits")
        assert "a, b" in row(rows, "tags")


async def test_an_archive_by_the_backend_says_so() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, a_job(archived=True, archived_by="backend"))
        assert "archived on the backend" in row(rows, "Archived")


async def test_a_job_its_backend_no_longer_lists_says_since_when() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, a_job(gone_since=NOW - timedelta(minutes=5)))
        assert "gone from the backend since 2026-01-01 11:55:00 · 5m ago" in row(rows, "Gone")
        assert not any(line.startswith("Gone") for line in await show(app, pilot, a_job()))


async def test_several_runs_are_listed_and_the_latest_reason_explains_the_job() -> None:
    job = a_job(error=None)
    runs = [
        Run(
            job=job.ref,
            id="run-3",
            state=JobState.FAILED,
            started=NOW - timedelta(hours=2),
            counts=Counts(total=4, succeeded=3, failed=1),
            reason="node lost",
        ),
        Run(job=job.ref, id="run-2", state=JobState.SUCCEEDED),
    ]
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, job, runs)
        assert "node lost" in row(rows, "Reason")
        first_run = rows.index(row(rows, "Runs")) + 1
        assert rows[first_run].startswith("▸ ✗ failed")
        assert "run-3" in rows[first_run] and "2h" in rows[first_run] and "3✓ 1✗ /4" in rows[first_run]
        assert rows[first_run + 1].startswith("  ✓ succeeded") and "run-2" in rows[first_run + 1]


async def test_the_chosen_run_has_its_own_section_with_state_times_counts_and_reason() -> None:
    job = a_job(error=None, counts=None, progress=None)
    runs = [
        Run(job=job.ref, id="run-3", state=JobState.RUNNING, started=NOW - timedelta(minutes=5),
            counts=Counts(total=10, succeeded=4)),
        Run(job=job.ref, id="run-2", state=JobState.FAILED, raw_state="FAILURE",
            started=NOW - timedelta(hours=3), ended=NOW - timedelta(hours=2),
            counts=Counts(total=4, succeeded=1, failed=3), error="boom\nat line 2"),
    ]
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        await show(app, pilot, job, runs)
        app.detail.chosen = 1
        await pilot.pause()
        rows = rendered_rows(app.detail)
        title = rows.index(row(rows, "Run 1 of 2 "))
        section = rows[title:]
        assert "run-2" in section[0]
        assert "✗ failed (FAILURE)" in row(section, "State")
        assert "2026-01-01 09:00:00 · 3h ago" in row(section, "Started")
        assert "2026-01-01 10:00:00 · 2h ago" in row(section, "Ended")
        assert "1h00m" in row(section, "Duration")
        counts = row(section, "Counts")
        assert "1✓ 3✗ /4" in counts and "▒" in counts and counts.rstrip().endswith("100%")
        assert "boom" in row(section, "Error")
        listed = rows.index(row(rows, "Runs")) + 1
        assert rows[listed].startswith("  ▶ running") and rows[listed + 1].startswith("▸ ✗ failed")
        assert app.detail.run_section is not None and app.detail.run_section[0] == title


async def test_a_job_that_is_its_own_only_run_has_no_run_section() -> None:
    job = a_job()
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, job, [Run(job=job.ref, id=job.id, state=job.state)])
        assert not any(line.startswith(("Run ", "Runs")) for line in rows)
        assert app.detail.run_section is None


async def test_backend_strings_are_stripped_of_escape_sequences() -> None:
    hostile = a_job(
        name="build\x1b]0;pwned\x07 \x1b[2Jnow",
        ref=JobRef(backend="drp", id="id\x9b6n-1"),
        raw_state="Err\x1b[31mored",
        error="boom\x1b]52;c;cm0gLXJm\x07\nsecond line\x08",
        labels={"k\x1b[1m": "v\x07"},
        detail={"key\x1b[H": "val\x1b]8;;http://x\x1b\\ue"},
    )
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        await show(app, pilot, hostile)
        strips = [app.detail.render_line(y) for y in range(app.detail.size.height)]
        text = "\n".join(strip.text for strip in strips)
        assert not any(CONTROL.search(segment.text) for strip in strips for segment in strip)
        assert "pwned" not in text and "cm0g" not in text and "http" not in text
        assert "build now" in text and "id-1" in text and "(Errored)" in text
        assert "boom" in text and "second line" in text and "k: v" in text and "value" in text


def test_a_single_failure_always_gets_a_cell_of_the_bar() -> None:
    assert split_cells(Counts(total=1000, succeeded=999, failed=1), 10) == (9, 1)
    assert split_cells(Counts(total=10, succeeded=5, failed=5), 10) == (5, 5)
    assert split_cells(Counts(total=None, succeeded=3, failed=1), 8) == (6, 2)
    assert split_cells(Counts(total=10), 10) == (0, 0)


def test_nested_backend_fields_flatten_to_dotted_paths() -> None:
    detail = {"a": {"b": {"c": 1}}, "empty": {}, "none": None, "list": [{"x": 1}, {"y": 2}]}
    assert dict(flatten_detail(detail)) == {"a.b.c": "1", "empty": "{}", "none": "null", "list": "[2 items]"}
