"""Actions an adapter declares (contract v2): an engine's own action (here ``hold``)
gets a key in the deck, asks first with its own words, passes the monitor's gate to
the adapter, and is logged; read-only and the kiosk refuse it like every mutation."""

from __future__ import annotations

import json

import pytest
from deck_helpers import build_app, sample_backends, toasts, wait_for_jobs
from fakes import FakeAdapter, make_job, settle, wait_until

from jobdeck.adapters.actions import STANDARD_ACTIONS, ActionSpec
from jobdeck.clock import FrozenClock
from jobdeck.errors import ReadOnlyRefused
from jobdeck.model import ActionResult, Job, JobRef, JobState
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.screens.action_keys import plan_action_keys
from jobdeck.ui.screens.confirm import ConfirmScreen
from jobdeck.ui.screens.help import HelpScreen

WIDE = (120, 40)
QUEUED = JobRef(backend="slurm", id="4242")
RUNNING = JobRef(backend="slurm", id="4243")


def _pending_only(job: Job) -> str | None:
    return None if job.state is JobState.PENDING else f"the job is {job.state.value}, not pending"


HOLD = ActionSpec(
    "hold",
    key="z",
    verb="Hold",
    confirm="The scheduler keeps {name} queued until it is released.",
    available=_pending_only,
)


class HoldingAdapter(FakeAdapter):
    """A fake engine that declares ``hold`` beside the standard actions."""

    kind = "holding"
    extra_actions: tuple[ActionSpec, ...] = (HOLD,)

    def actions(self) -> tuple[ActionSpec, ...]:
        return (*super().actions(), *self.extra_actions)

    async def hold(self, job_id: str) -> ActionResult:
        self._record("hold", job_id)
        self.update_job(job_id, raw_state="held")
        return ActionResult(ok=True, message=f"held {job_id}")


def engine(clock: FrozenClock, name: str = "slurm") -> HoldingAdapter:
    return HoldingAdapter.build(
        name,
        clock=clock,
        jobs=[
            make_job("4242", JobState.PENDING, name="array-sweep", raw_state="PENDING", created=clock.now()),
            make_job("4243", JobState.RUNNING, name="train", raw_state="RUNNING", created=clock.now()),
        ],
    )


def deck_with_engine(tmp_path, **options: bool):
    clock = FrozenClock()
    adapters = [*sample_backends(clock), engine(clock)]
    return build_app(tmp_path, adapters, clock=clock, **options), adapters[-1]


# -- the gate ---------------------------------------------------------------------------


async def test_the_gate_does_a_declared_action_through_the_adapter_and_logs_it(tmp_path):
    clock = FrozenClock()
    slurm = engine(clock)
    monitor = Monitor([slurm], clock=clock, store=MemoryStore(tmp_path))
    await monitor.refresh()
    assert ("slurm", HOLD) in monitor.actions()
    assert monitor.why_not(QUEUED, "hold") is None
    assert monitor.why_not(RUNNING, "hold") == "the job is running, not pending"
    assert monitor.action_verb(QUEUED, "hold") == "Hold"
    assert monitor.confirm_text(QUEUED, "hold") == (
        "Hold job “array-sweep” (id 4242) on backend slurm? "
        "The scheduler keeps array-sweep queued until it is released."
    )
    result = await monitor.perform(QUEUED, "hold")
    assert result.ok and ("hold", "4242") in slurm.calls
    refused = await monitor.perform(RUNNING, "hold")
    assert not refused.ok and slurm.count("hold") == 1
    logged = [json.loads(line) for line in (tmp_path / "actions.jsonl").read_text().splitlines()]
    assert [(e["action"], e["job"], e["result"]) for e in logged] == [
        ("hold", "4242", "ok"),
        ("hold", "4243", "refused"),
    ]


async def test_an_action_a_backend_does_not_declare_is_refused_with_a_reason(tmp_path):
    clock = FrozenClock()
    plain = FakeAdapter.build("plain", clock=clock, jobs=[make_job("1", JobState.PENDING)])
    monitor = Monitor([plain], clock=clock, store=MemoryStore(tmp_path))
    await monitor.refresh()
    ref = JobRef(backend="plain", id="1")
    assert monitor.why_not(ref, "hold") == "fake backends cannot do that (another backend's action)"
    assert not (await monitor.perform(ref, "hold")).ok
    assert plain.count("hold") == 0


async def test_another_backends_action_on_a_job_is_named_by_its_verb_never_its_method(tmp_path):
    clock = FrozenClock()
    plain = FakeAdapter.build("plain", clock=clock, jobs=[make_job("1", JobState.PENDING)])
    monitor = Monitor([plain, engine(clock)], clock=clock, store=MemoryStore(tmp_path))
    await monitor.refresh()
    assert monitor.action_verb(JobRef(backend="plain", id="1"), "hold") == "Hold"


async def test_read_only_refuses_a_declared_mutating_action(tmp_path):
    clock = FrozenClock()
    slurm = engine(clock)
    monitor = Monitor([slurm], clock=clock, store=MemoryStore(tmp_path), read_only=True)
    await monitor.refresh()
    assert monitor.why_not(QUEUED, "hold") == "read-only mode"
    with pytest.raises(ReadOnlyRefused):
        await monitor.perform(QUEUED, "hold")
    assert slurm.count("hold") == 0


async def test_a_spec_named_after_another_adapter_method_never_calls_it(tmp_path):
    clock = FrozenClock()
    slurm = engine(clock)
    slurm.extra_actions = (ActionSpec("close", key="z", verb="Close"),)
    monitor = Monitor([slurm], clock=clock, store=MemoryStore(tmp_path))
    await monitor.refresh()
    result = await monitor.perform(QUEUED, "close")
    assert not result.ok and "cannot do it" in result.message
    assert slurm.close_count == 0


def test_an_action_name_must_be_a_plain_identifier():
    with pytest.raises(ValueError, match="lower-case identifier"):
        ActionSpec("../hold", key="z", verb="Hold")


# -- keys -------------------------------------------------------------------------------


def test_two_actions_claiming_one_key_leave_the_second_without_it_and_say_so():
    halt = ActionSpec("halt", key="z", verb="Halt")
    quit_ = ActionSpec("stop", key="q", verb="Stop")
    plan = plan_action_keys(
        [("slurm", HOLD), ("ray", halt), ("ray", quit_), ("slurm", STANDARD_ACTIONS[0])],
        {"q": "Quit", "a": "Archive"},
    )
    assert list(plan.added) == ["hold"]
    assert plan.problems == [
        "Backend ray gives the action halt the key z, which is already Hold (slurm): halt has no key",
        "Backend ray gives the action stop the key q, which is already Quit: stop has no key",
    ]


def test_one_action_on_two_backends_keeps_its_first_key():
    second = ActionSpec("hold", key="H", verb="Hold")
    plan = plan_action_keys([("slurm", HOLD), ("slurm2", HOLD), ("other", second)], {})
    assert list(plan.added) == ["hold"]
    assert plan.problems == [
        "Backend other gives the action hold the key H, but it is z (as slurm says): H does nothing"
    ]


async def test_a_declared_action_is_a_key_that_asks_first_then_holds_and_is_logged(tmp_path):
    app, slurm = deck_with_engine(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 8)
        assert jobs.select_ref(QUEUED)
        await pilot.pause()
        await pilot.press("z")
        assert isinstance(app.screen, ConfirmScreen)
        message = str(app.screen.query_one("#confirm-message").render())
        assert "The scheduler keeps array-sweep queued until it is released." in message
        assert str(app.screen.query_one("#confirm-title").render()) == "Hold array-sweep?"
        await pilot.press("y")
        await wait_until(lambda: slurm.count("hold") == 1, what="hold")
        await wait_until(lambda: "held 4242" in toasts(app), what="the outcome")
        logged = json.loads((tmp_path / "actions.jsonl").read_text().splitlines()[-1])
        assert (logged["action"], logged["backend"], logged["job"], logged["result"]) == (
            "hold", "slurm", "4242", "ok"
        )


async def test_an_unavailable_declared_action_says_why_and_help_lists_it(tmp_path):
    app, slurm = deck_with_engine(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 8)
        assert jobs.select_ref(RUNNING)
        await pilot.pause()
        await pilot.press("z")
        assert not isinstance(app.screen, ConfirmScreen)
        assert "Hold is unavailable: the job is running, not pending" in toasts(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "Hold  (unavailable: the job is running, not pending)" in text
        assert slurm.count("hold") == 0


async def test_a_key_claimed_twice_is_refused_with_a_message_when_the_deck_starts(tmp_path):
    clock = FrozenClock()
    clash = engine(clock, "ray")
    clash.extra_actions = (ActionSpec("halt", key="z", verb="Halt"), ActionSpec("stop", key="s", verb="Stop"))
    app = build_app(tmp_path, [engine(clock), clash], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 4)
        await pilot.pause()
        shown = toasts(app)
        assert "Backend ray gives the action halt the key z, which is already Hold (slurm): halt has no key" in shown
        assert "Backend ray gives the action stop the key s, which is already Sort: stop has no key" in shown


@pytest.mark.parametrize("mode", ["kiosk", "read-only"])
async def test_a_declared_action_never_reaches_the_backend_in_mode(tmp_path, mode):
    kiosk = mode == "kiosk"
    app, slurm = deck_with_engine(tmp_path, read_only=not kiosk, kiosk=kiosk)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 8)
        assert jobs.select_ref(QUEUED)
        await pilot.pause()
        await pilot.press("z")
        if isinstance(app.screen, ConfirmScreen):
            await pilot.press("y")  # accepted, to prove the gate holds
        await settle()
        assert slurm.count("hold") == 0
        assert slurm.mutations == []
