"""RunDetail of a job in a group: the group's name, its success and failure
counts, and its jobs by state, among the job's own rows."""

from __future__ import annotations

import re
from datetime import timedelta

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from jobdeck.clock import FrozenClock
from jobdeck.model import Job, JobGroup, JobRef, JobState, StateCounts
from jobdeck.ui.widgets.run_detail import RunDetail

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
NOW = FrozenClock().now()

TALLY = StateCounts.of(
    [JobState.SUCCEEDED] * 3 + [JobState.FAILED, JobState.CANCELED, JobState.RUNNING, JobState.PENDING]
)
GROUP = JobGroup(key="t-1", name="translate-batch", counts=TALLY, scope="the latest 7 executions")


def a_job(**changes: object) -> Job:
    fields: dict[str, object] = {
        "ref": JobRef(backend="julep", id="e-1"),
        "name": "translate-batch: b-1",
        "state": JobState.FAILED,
        "created": NOW - timedelta(minutes=10),
        "started": NOW - timedelta(minutes=9),
        "ended": NOW - timedelta(minutes=2),
        "error": "validation failed",
        "labels": {"task": "translate-batch"},
        "group": GROUP,
    }
    fields.update(changes)
    return Job(**fields)  # type: ignore[arg-type]


class DetailApp(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield RunDetail()


async def shown(job: Job, *, width: int = 80, ascii: bool = False) -> list[str]:
    app = DetailApp()
    async with app.run_test(size=(width, 40)) as pilot:
        detail = app.query_one(RunDetail)
        detail.now, detail.ascii, detail.job = NOW, ascii, job
        await pilot.pause()
        return [detail.render_line(y).text.rstrip() for y in range(detail.size.height)]


def group_lines(rows: list[str]) -> list[str]:
    """The Group row and the rows that continue it (an empty label column)."""
    start = next(i for i, line in enumerate(rows) if line.startswith("Group"))
    end = next(i for i in range(start + 1, len(rows)) if not rows[i].startswith(" "))
    return rows[start:end]


async def test_a_job_in_a_group_shows_the_groups_name_and_what_its_counts_are_over() -> None:
    lines = group_lines(await shown(a_job()))

    assert lines[0].split() == ["Group", "translate-batch", "·", "the", "latest", "7", "executions"]


async def test_the_groups_success_and_failure_counts_have_a_bar_like_the_jobs_counts() -> None:
    bar = group_lines(await shown(a_job()))[1]

    assert "3✓ 2✗ /7" in bar  # the canceled one ended without success
    assert "█" in bar and "▒" in bar and "░" in bar
    assert bar.endswith("71%")


async def test_the_groups_jobs_are_told_by_state_ended_ones_first() -> None:
    tally = group_lines(await shown(a_job()))[2]

    assert tally.strip().split("  ") == ["✓ 3 succeeded", "✗ 1 failed", "⊘ 1 canceled", "▶ 1 running", "◌ 1 pending"]


async def test_in_a_narrow_pane_the_tally_breaks_between_states_never_inside_one() -> None:
    lines = group_lines(await shown(a_job(), width=40))
    after_bar = lines[next(i for i, line in enumerate(lines) if "/7" in line) + 1:]

    told = [item for line in after_bar for item in line.strip().split("  ")]
    assert told == ["✓ 3 succeeded", "✗ 1 failed", "⊘ 1 canceled", "▶ 1 running", "◌ 1 pending"]
    assert len(after_bar) > 1
    assert all(len(line) <= 40 for line in lines)


async def test_the_group_rows_come_after_the_jobs_counts_and_before_its_error_and_labels() -> None:
    rows = await shown(a_job())
    labels = [line.split()[0] for line in rows if line and not line.startswith(" ")]

    assert labels[labels.index("Duration"):] == ["Duration", "Group", "Error", "Labels"]


async def test_ascii_mode_tells_the_group_in_plain_glyphs() -> None:
    lines = group_lines(await shown(a_job(), ascii=True))

    assert "3 ok 2 fail /7" in lines[1] and "#" in lines[1]
    assert "+ 3 succeeded" in lines[2] and "- 1 canceled" in lines[2]
    assert all(ord(char) < 128 for line in lines for char in line if char != "·")


async def test_a_group_without_counts_is_one_row_with_its_name() -> None:
    lines = group_lines(await shown(a_job(group=JobGroup(key="tasks.add", name="tasks.add"))))

    assert lines == ["Group    tasks.add"]


async def test_a_job_without_a_group_has_no_group_row() -> None:
    rows = await shown(a_job(group=None))

    assert not any(line.startswith("Group") for line in rows)


async def test_a_groups_name_and_scope_are_stripped_of_escape_sequences() -> None:
    hostile = JobGroup(key="k", name="tasks\x1b]0;pwned\x07.add\x1b[2J", counts=TALLY, scope="last\x9b6n 7")
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        detail = app.query_one(RunDetail)
        detail.now, detail.job = NOW, a_job(group=hostile)
        await pilot.pause()
        strips = [detail.render_line(y) for y in range(detail.size.height)]
    assert not any(CONTROL.search(segment.text) for strip in strips for segment in strip)
    text = "\n".join(strip.text for strip in strips)
    assert "pwned" not in text and "tasks.add" in text
