"""The run detail's group rows where a backend tells more than counts: the group's
latest jobs as a strip of state glyphs (Airflow's grid in one line, newest on the right)
and a line of rates (``92% ok · 3 retries · 12/min over 5m``), as Celery and Airflow do."""

from __future__ import annotations

from jobdeck.model import JobGroup, JobState, StateCounts
from jobdeck.store.run_stats import RunStats, percent
from jobdeck.ui.group_rows import rate_words
from test_run_detail_groups import a_job, shown

S = JobState
RECENT = (S.SUCCEEDED,) * 8 + (S.FAILED, S.CANCELED, S.RUNNING, S.PENDING)
GROUP = JobGroup(
    key="tasks.add", name="tasks.add", counts=StateCounts.of([S.SUCCEEDED] * 23 + [S.FAILED, S.RUNNING]),
    retries=3, recent=RECENT, per_minute=12.0, rate_window_s=300,
)


def rows_from(rows: list[str], label: str) -> list[str]:
    """The row labelled ``label`` and the rows that continue it (an empty label column)."""
    start = next(i for i, line in enumerate(rows) if line.startswith(label))
    end = next((i for i in range(start + 1, len(rows)) if not rows[i].startswith(" ")), len(rows))
    return rows[start:end]


async def test_the_groups_latest_jobs_are_a_strip_of_state_glyphs_oldest_on_the_left() -> None:
    recent = rows_from(await shown(a_job(group=GROUP)), "Recent")

    assert recent[0] == "Recent   ✓✓✓✓✓✓✓✓✗⊘▶◌"


async def test_under_the_strip_the_group_tells_its_success_share_retries_and_rate() -> None:
    recent = rows_from(await shown(a_job(group=GROUP)), "Recent")

    assert recent[1].strip() == "96% ok · 3 retries · 12/min over 5m"  # 23 of the 24 ended (95.8%)


async def test_the_strip_comes_after_the_groups_counts_and_before_the_jobs_error() -> None:
    rows = await shown(a_job(group=GROUP))
    labels = [line.split()[0] for line in rows if line and not line.startswith(" ")]

    assert labels[labels.index("Group"):] == ["Group", "Recent", "Error", "Labels"]


async def test_in_ascii_mode_the_strip_has_the_run_history_strips_plain_glyphs() -> None:
    recent = rows_from(await shown(a_job(group=GROUP), ascii=True), "Recent")

    assert recent[0] == "Recent   ++++++++x->."
    assert "96% ok - 3 retries - 12/min over 5m" in " ".join(line.strip() for line in recent[1:])


async def test_a_strip_wider_than_the_pane_keeps_the_newest_and_gives_way_to_an_ellipsis() -> None:
    many = JobGroup(key="d", name="d", recent=(S.FAILED,) + (S.SUCCEEDED,) * 60 + (S.RUNNING,))

    recent = rows_from(await shown(a_job(group=many), width=40), "Recent")[0]

    assert recent.startswith("Recent   …✓") and recent.endswith("✓▶")
    assert "✗" not in recent and len(recent) <= 40


async def test_a_group_with_counts_only_has_neither_strip_nor_rates_as_before() -> None:
    plain = JobGroup(key="1234", name="1234_[0-9]", counts=StateCounts.of([S.SUCCEEDED] * 3 + [S.FAILED]))

    rows = await shown(a_job(group=plain))

    assert not any(line.startswith("Recent") or "% ok" in line for line in rows)


def test_the_rate_words_tell_only_what_the_backend_counted() -> None:
    assert rate_words(JobGroup(key="k", name="k"), ascii=False) == ""
    assert rate_words(JobGroup(key="k", name="k", retries=1), ascii=False) == "1 retry"
    assert rate_words(JobGroup(key="k", name="k", per_minute=0.2, rate_window_s=300), ascii=False) == "0.2/min over 5m"
    running = JobGroup(key="k", name="k", counts=StateCounts.of([S.RUNNING]), retries=0)
    assert rate_words(running, ascii=False) == "0 retries"  # nothing ended: no share of it


def test_ls_json_adds_retries_recent_and_rate_only_where_the_backend_told_them() -> None:
    assert set(JobGroup(key="k", name="k").to_public()) == {"key", "name", "counts", "scope"}

    public = GROUP.to_public()

    assert public["retries"] == 3 and public["per_minute"] == 12.0 and public["rate_window_s"] == 300
    assert public["recent"] == ["succeeded"] * 8 + ["failed", "canceled", "running", "pending"]


def test_the_success_share_is_rounded_to_the_nearest_percent_as_the_run_history_strip_does() -> None:
    # 11 of 12 is 91.7% and 1 of 12 is 8.3%: "92% ok" and "8% ok" in both (it said "91% ok").
    for succeeded, ended, said in ((11, 12, "92% ok"), (1, 12, "8% ok"), (2, 3, "67% ok"), (0, 4, "0% ok")):
        counts = StateCounts.of([S.SUCCEEDED] * succeeded + [S.FAILED] * (ended - succeeded))
        stats = RunStats.ended(succeeded, ended - succeeded, 0)
        assert rate_words(JobGroup(key="k", name="k", counts=counts, retries=0), ascii=False) == f"{said} · 0 retries"
        assert f"{percent(stats.success_rate or 0)} ok" == said
    canceled = StateCounts.of([S.SUCCEEDED, S.CANCELED, S.RUNNING])
    assert rate_words(JobGroup(key="k", name="k", counts=canceled, retries=0), ascii=False) == "50% ok · 0 retries"
