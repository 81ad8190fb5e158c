"""What a job in a group looks like in the deck (contract v2 groups): a Celery-like
task invocation whose task name groups many invocations, beside a Slurm-like
array that is one row. The detail pane is scrolled down to the group's rows."""

from __future__ import annotations

from deck_helpers import build_app, deck_settled, seconds_before, wait_for_jobs
from fakes import FakeAdapter, make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import JobGroup, JobRef, JobState, StateCounts
from jobdeck.ui.panes.detail import DetailPane
from jobdeck.ui.widgets.run_detail import RunDetail

FAILED_EMAIL = JobRef(backend="tasks", id="c0ffee01-0001")

SEND_EMAIL = JobGroup(
    key="app.tasks.send_email",
    name="app.tasks.send_email",
    counts=StateCounts(by_state={"succeeded": 118, "failed": 4, "canceled": 1, "running": 2, "pending": 3}),
    scope="the last hour",
)
RESIZE = JobGroup(
    key="app.tasks.resize_image",
    name="app.tasks.resize_image",
    counts=StateCounts(by_state={"succeeded": 40, "running": 1}),
    scope="the last hour",
)
ARRAY = JobGroup(
    key="1234",
    name="1234_[0-99]",
    counts=StateCounts(by_state={"succeeded": 61, "failed": 3, "running": 8, "pending": 28}),
)


def grouped_backends(clock: FrozenClock) -> list[FakeAdapter]:
    ago = seconds_before(clock)
    tasks = FakeAdapter.build(
        "tasks",
        clock=clock,
        jobs=[
            make_job("c0ffee01-0001", JobState.FAILED, name="send_email(to=ops@…)", raw_state="FAILURE",
                     created=ago(95), started=ago(94), ended=ago(90), updated=ago(90),
                     error="SMTPAuthenticationError: 535 bad credentials", group=SEND_EMAIL),
            make_job("c0ffee01-0002", JobState.SUCCEEDED, name="send_email(to=sales@…)", raw_state="SUCCESS",
                     created=ago(60), started=ago(59), ended=ago(58), updated=ago(58), group=SEND_EMAIL),
            make_job("c0ffee01-0003", JobState.RUNNING, name="send_email(to=hr@…)", raw_state="STARTED",
                     created=ago(8), started=ago(7), updated=ago(7), group=SEND_EMAIL),
            make_job("c0ffee02-0001", JobState.RUNNING, name="resize_image(id=88)", raw_state="STARTED",
                     created=ago(4), started=ago(3), updated=ago(3), group=RESIZE),
        ],
    )
    hpc = FakeAdapter.build(
        "hpc",
        clock=clock,
        jobs=[
            make_job("1234", JobState.RUNNING, name="render-frames", raw_state="RUNNING",
                     created=ago(1800), started=ago(1700), updated=ago(20),
                     counts=ARRAY.counts.as_counts(), group=ARRAY),
        ],
    )
    return [tasks, hpc]


def scrolled_to_the_group(app, ref: JobRef):
    """A run_before that selects ``ref`` and scrolls the detail pane down to its Group row
    (as far as the pane scrolls)."""

    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 5)
        assert jobs.select_ref(ref)
        await deck_settled(app, pilot)
        pane = app.screen.query_one(DetailPane)
        detail = pane.query_one(RunDetail)
        rows = [detail.render_line(y).text for y in range(detail.size.height)]
        group_row = next(y for y, text in enumerate(rows) if text.lstrip().startswith("Group"))
        pane.scroll_to(y=group_row, animate=False, immediate=True)
        await pilot.pause()

    return run_before


def test_a_job_in_a_group_at_120x40(snap_compare, tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, grouped_backends(clock), clock=clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=scrolled_to_the_group(app, FAILED_EMAIL))


def test_a_job_in_a_group_at_80x24(snap_compare, tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, grouped_backends(clock), clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=scrolled_to_the_group(app, FAILED_EMAIL))
