"""The confirmation of an action reads as a sentence: "Archive nightly?" and "Archive job
“nightly” (id 7) on backend local?" for a plain verb, and the action's own title and question
where that reads wrongly, for a verb with an object of its own (Airflow's "Clear every task
of …", Ray's "Delete … from Ray"), for one job and for marked jobs alike."""

from __future__ import annotations

from deck_helpers import build_app, sample_backends, wait_for_jobs
from fakes import FakeAdapter, make_job

from jobdeck.adapters.actions import STANDARD_ACTIONS, ActionSpec, confirm_question, confirm_title
from jobdeck.adapters.airflow.adapter import CLEAR_ALL
from jobdeck.adapters.ray.adapter import DELETE
from jobdeck.clock import FrozenClock
from jobdeck.model import ActionResult, JobRef, JobState
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.screens.bulk_plan import plan_bulk
from jobdeck.ui.screens.confirm import ConfirmScreen

ARCHIVE = STANDARD_ACTIONS[0]
RUN = make_job("etl/manual_1", JobState.FAILED, backend="airflow", name="etl manual_1")
RAY_JOB = make_job("raysubmit_7", JobState.SUCCEEDED, backend="ray", name="train")
FINISHED = JobRef(backend="engine", id="7")


def test_a_plain_verb_asks_about_the_job_by_name_id_and_backend() -> None:
    assert confirm_title(ARCHIVE, "Archive", "nightly") == "Archive nightly?"
    assert confirm_question(ARCHIVE, "Archive", RAY_JOB, "ray") == "Archive job “train” (id raysubmit_7) on backend ray?"
    assert confirm_title(None, "Hold", "nightly") == "Hold nightly?"


def test_airflows_clear_every_task_asks_about_the_run_it_clears() -> None:
    assert confirm_title(CLEAR_ALL, CLEAR_ALL.verb, RUN.name) == "Clear every task of etl manual_1?"
    assert confirm_question(CLEAR_ALL, CLEAR_ALL.verb, RUN, "airflow") == (
        "Clear every task of run “etl manual_1” (id etl/manual_1) on backend airflow?"
    )


def test_rays_delete_says_the_job_goes_from_ray() -> None:
    assert confirm_title(DELETE, DELETE.verb, RAY_JOB.name) == "Delete train from Ray?"
    assert confirm_question(DELETE, DELETE.verb, RAY_JOB, "ray") == (
        "Delete job “train” (id raysubmit_7) from Ray (backend ray)?"
    )


def test_braces_in_a_jobs_name_are_only_text_and_a_broken_own_wording_falls_back() -> None:
    braced = make_job("1", name="{id} {0}")
    assert confirm_title(CLEAR_ALL, CLEAR_ALL.verb, braced.name) == "Clear every task of {id} {0}?"
    broken = ActionSpec("wipe", key="z", verb="Wipe", title="Wipe {nothing}?", question="Wipe {0}?")
    assert confirm_title(broken, "Wipe", "nightly") == "Wipe nightly?"
    assert confirm_question(broken, "Wipe", braced, "local") == "Wipe job “{id} {0}” (id 1) on backend local?"


WIPE = ActionSpec(
    "wipe_tasks",
    key="z",
    verb="Wipe every task",
    title="Wipe every task of {name}?",
    question="Wipe every task of job “{name}” (id {id}) on backend {backend}?",
    confirm="Nothing of {name} is kept.",
)


class WipingAdapter(FakeAdapter):
    """A fake engine with an action whose verb has an object of its own."""

    kind = "wiping"

    def actions(self) -> tuple[ActionSpec, ...]:
        return (*super().actions(), WIPE)

    async def wipe_tasks(self, job_id: str) -> ActionResult:
        self._record("wipe_tasks", job_id)
        return ActionResult(ok=True, message=f"wiped {job_id}")


def engine(clock: FrozenClock) -> WipingAdapter:
    return WipingAdapter.build("engine", clock=clock, jobs=[make_job("7", JobState.SUCCEEDED, name="nightly")])


async def test_the_gate_asks_the_actions_own_question_then_its_words(tmp_path) -> None:
    clock = FrozenClock()
    monitor = Monitor([engine(clock)], clock=clock, store=MemoryStore(tmp_path))
    await monitor.refresh()
    assert monitor.confirm_text(FINISHED, "wipe_tasks") == (
        "Wipe every task of job “nightly” (id 7) on backend engine? Nothing of nightly is kept."
    )
    assert monitor.confirm_text(FINISHED, "archive").startswith("Archive job “nightly” (id 7) on backend engine?")


async def test_the_deck_titles_the_confirmation_with_the_actions_own_title(tmp_path) -> None:
    clock = FrozenClock()
    app = build_app(tmp_path, [*sample_backends(clock), engine(clock)], clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 7)
        assert jobs.select_ref(FINISHED)
        await pilot.pause()
        await pilot.press("z")
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.query_one("#confirm-title").render()) == "Wipe every task of nightly?"
        await pilot.press("n")


class Gate:
    def __init__(self, jobs) -> None:
        self.jobs = {job.ref: job for job in jobs}

    def job(self, ref):
        return self.jobs.get(ref)

    def why_not(self, ref, action):
        return None


def test_marked_jobs_are_asked_about_in_the_actions_own_title() -> None:
    runs = [make_job(f"etl/{i}", JobState.FAILED, backend="airflow") for i in range(3)]
    refs = [run.ref for run in runs]
    assert plan_bulk(refs, "clear_all", CLEAR_ALL.verb, Gate(runs), CLEAR_ALL).title == "Clear every task of 3 marked jobs?"
    assert plan_bulk(refs[:1], "delete_job", DELETE.verb, Gate(runs), DELETE).title == "Delete 1 marked job from Ray?"
    assert plan_bulk(refs, "archive", "Archive", Gate(runs), ARCHIVE).title == "Archive 3 marked jobs?"
