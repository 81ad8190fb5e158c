"""The simulated Julep world: tasks, their executions, each execution's
transitions, and the Temporal workflow (the "job") behind every execution.

Pure data and time: no HTTP here. Every random choice comes from the rng the
emulator seeds, and every change happens at a planned simulated time, so the
same seed and the same requests give the same world.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from jobdeck.emulators.julep.models import (
    TERMINAL_STATUSES,
    Execution,
    ExecutionStatusEvent,
    JobStatus,
    Transition,
    TransitionTarget,
)

Outcome = Literal["succeeded", "failed", "awaiting_input"]

#: The Temporal workflow type of every task execution (JobStatus.name).
WORKFLOW_NAME = "TaskExecutionWorkflow"
#: Executions kept per task; the oldest finished ones are forgotten beyond this.
KEEP_PER_TASK = 100


@dataclass(frozen=True)
class TaskSpec:
    """A task: its named steps, how inputs look, and how it fails."""

    name: str
    steps: tuple[str, ...]
    failures: tuple[str, ...]

    def make_input(self, rng: random.Random, n: int) -> dict[str, Any]:
        if self.name == "summarize-docs":
            return {"document": f"report-{n:02d}.pdf", "language": rng.choice(["en", "fr", "de"])}
        return {"batch": f"b-{n:03d}", "target": rng.choice(["de", "es", "ja"]), "api_key": "sk-demo-secret"}

    def step_output(self, step: int, rng: random.Random) -> dict[str, Any]:
        return {"items": rng.randint(1, 40), "ms": rng.randint(80, 2400)}

    def final_output(self, execution_input: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        if self.name == "summarize-docs":
            return {"summary": f"{execution_input.get('document', 'document')}: {rng.randint(3, 9)} key points"}
        return {"translated": rng.randint(20, 400), "target": execution_input.get("target")}


DEFAULT_TASKS: tuple[TaskSpec, ...] = (
    TaskSpec(
        name="summarize-docs",
        steps=("fetch", "chunk", "summarize", "review"),
        failures=("tool call failed: fetch_url returned 502", "model timeout after 60s"),
    ),
    TaskSpec(
        name="translate-batch",
        steps=("load", "translate", "validate"),
        failures=("validation failed: 3 segments exceed the length limit", "rate limited by the model provider"),
    ),
)


@dataclass
class PlannedTransition:
    """A transition that will happen at ``at`` (simulated time)."""

    at: datetime
    type: str
    step: int
    next_step: int | None
    output: Any
    label: str | None = None


@dataclass
class SimExecution:
    id: str
    task_id: str
    job_id: str
    scope_id: str
    input: dict[str, Any]
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    status: str = "queued"
    output: Any = None
    error: str | None = None
    #: When the workflow started running (Temporal execution_time): JobStatus.updated_at.
    workflow_started_at: datetime | None = None
    starting_at: datetime | None = None
    transitions: list[Transition] = field(default_factory=list)
    plan: list[PlannedTransition] = field(default_factory=list)
    #: What follows a ``wait``, as offsets (seconds) from the resume.
    after_resume: list[tuple[float, PlannedTransition]] = field(default_factory=list)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def wire(self) -> Execution:
        return Execution(
            id=self.id,
            task_id=self.task_id,
            status=self.status,  # type: ignore[arg-type]
            input=self.input,
            output=self.output,
            error=self.error,
            transition_count=len(self.transitions),
            metadata=self.metadata,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )

    def status_event(self) -> ExecutionStatusEvent:
        return ExecutionStatusEvent(
            execution_id=self.id,
            status=self.status,  # type: ignore[arg-type]
            updated_at=self.updated_at,
            error=self.error,
            transition_count=len(self.transitions),
            metadata=self.metadata,
        )

    def job_status(self) -> JobStatus:
        """The workflow as ``GET /jobs/{id}`` reports it (routers/jobs/routers.py)."""
        state = _JOB_STATE[self.status]
        started = self.workflow_started_at or self.created_at
        return JobStatus(
            id=self.job_id,
            created_at=self.created_at,
            # The server reports the workflow's execution_time: when it began running.
            updated_at=started,
            name=WORKFLOW_NAME,
            reason=f"Execution status: {state}",
            has_progress=False,
            progress=0.0,
            state=state,
        )


#: Temporal's workflow status as the execution drives it, mapped like the server does.
#: The server never emits ``pending`` or ``retrying``.
_JOB_STATE: dict[str, Any] = {
    "queued": "in_progress",
    "starting": "in_progress",
    "running": "in_progress",
    "awaiting_input": "in_progress",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "aborted",
}


class JulepWorld:
    """Tasks, executions and jobs, advanced by ``advance_to``."""

    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        *,
        tasks: tuple[TaskSpec, ...] = DEFAULT_TASKS,
        spawn_every: float | None = None,
    ) -> None:
        self.rng = rng
        self.now = now
        self.tasks: dict[str, TaskSpec] = {self.new_id(now): spec for spec in tasks}
        self.executions: dict[str, SimExecution] = {}
        self.job_index: dict[str, str] = {}
        self.spawn_every = spawn_every
        self._next_spawn = now + timedelta(seconds=spawn_every) if spawn_every else None
        self._spawned = 0

    # -- ids -----------------------------------------------------------------

    def new_id(self, at: datetime) -> str:
        """A uuid7 (time-ordered, like the server's) from the seeded rng."""
        ms = int(at.timestamp() * 1000) & ((1 << 48) - 1)
        rand_a = self.rng.getrandbits(12)
        rand_b = self.rng.getrandbits(62)
        value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
        return str(uuid.UUID(int=value))

    # -- reading -------------------------------------------------------------

    def task_ids(self) -> list[str]:
        return list(self.tasks)

    def executions_of(self, task_id: str) -> list[SimExecution]:
        return [e for e in self.executions.values() if e.task_id == task_id]

    def execution_by_job(self, job_id: str) -> SimExecution | None:
        execution_id = self.job_index.get(job_id)
        return self.executions.get(execution_id) if execution_id else None

    # -- changes -------------------------------------------------------------

    def create_execution(
        self,
        task_id: str,
        execution_input: dict[str, Any],
        *,
        at: datetime,
        metadata: dict[str, Any] | None = None,
        outcome: Outcome | None = None,
    ) -> SimExecution:
        spec = self.tasks[task_id]
        execution = SimExecution(
            id=self.new_id(at),
            task_id=task_id,
            job_id=self.new_id(at),
            scope_id=self.new_id(at),
            input=dict(execution_input),
            metadata=metadata,
            created_at=at,
            updated_at=at,
        )
        execution.starting_at = at + timedelta(seconds=1)
        self._plan(execution, spec, outcome or self._pick_outcome(), at)
        self.executions[execution.id] = execution
        self.job_index[execution.job_id] = execution.id
        self._forget_old(task_id)
        self._apply_due(execution, self.now)
        return execution

    def stop(self, execution_id: str, reason: str | None, at: datetime) -> bool:
        """Cancel a running execution; False when it has already ended."""
        execution = self.executions[execution_id]
        if execution.terminal:
            return False
        execution.plan.clear()
        execution.after_resume.clear()
        step = execution.transitions[-1].current.step if execution.transitions else 0
        self._record(execution, PlannedTransition(at, "cancelled", step, None, {"reason": reason}))
        execution.status = "cancelled"
        execution.updated_at = at
        return True

    def resume(self, execution_id: str, resume_input: dict[str, Any] | None, at: datetime) -> bool:
        """Resume an execution that is awaiting input; False otherwise."""
        execution = self.executions[execution_id]
        if execution.status != "awaiting_input":
            return False
        step = execution.transitions[-1].next.step if execution.transitions and execution.transitions[-1].next else 0
        self._record(execution, PlannedTransition(at, "resume", step, step, resume_input or {}))
        execution.status = "running"
        execution.updated_at = at
        execution.plan = [
            PlannedTransition(at + timedelta(seconds=offset), p.type, p.step, p.next_step, p.output, p.label)
            for offset, p in execution.after_resume
        ]
        execution.after_resume = []
        return True

    def advance_to(self, now: datetime) -> None:
        """Everything planned up to ``now`` happens, and new executions arrive on schedule."""
        while self._next_spawn is not None and self._next_spawn <= now and self.spawn_every:
            self._spawn(self._next_spawn)
            self._next_spawn += timedelta(seconds=self.spawn_every)
        for execution in list(self.executions.values()):
            self._apply_due(execution, now)
        self.now = max(self.now, now)

    # -- inside --------------------------------------------------------------

    def _pick_outcome(self) -> Outcome:
        roll = self.rng.random()
        if roll < 0.65:
            return "succeeded"
        if roll < 0.9:
            return "failed"
        return "awaiting_input"

    def _spawn(self, at: datetime) -> None:
        self._spawned += 1
        task_ids = self.task_ids()
        task_id = task_ids[self._spawned % len(task_ids)]
        spec = self.tasks[task_id]
        self.create_execution(task_id, spec.make_input(self.rng, 100 + self._spawned), at=at)

    def _plan(self, execution: SimExecution, spec: TaskSpec, outcome: Outcome, created: datetime) -> None:
        rng = self.rng
        t = created + timedelta(seconds=2)
        last = len(spec.steps)
        plan: list[PlannedTransition] = [PlannedTransition(t, "init", 0, 1, {})]
        fail_at = rng.randint(1, last) if outcome == "failed" else None
        wait_after = rng.randint(1, last - 1) if outcome == "awaiting_input" else None
        after_resume: list[tuple[float, PlannedTransition]] = []
        offset = 0.0
        for step in range(1, last + 1):
            delay = float(rng.randint(2, 5))
            label = spec.steps[step - 1]
            if wait_after is not None and step > wait_after:
                offset += delay
                after_resume.append(
                    (offset, PlannedTransition(created, "step", step, step + 1, spec.step_output(step, rng), label))
                )
                continue
            t += timedelta(seconds=delay)
            if fail_at == step:
                message = rng.choice(spec.failures)
                plan.append(PlannedTransition(t, "error", step, None, {"error": message}, label))
                break
            plan.append(PlannedTransition(t, "step", step, step + 1, spec.step_output(step, rng), label))
            if wait_after == step:
                t += timedelta(seconds=1)
                plan.append(PlannedTransition(t, "wait", step, step + 1, {"prompt": "approve the draft?"}, "approval"))
        if outcome != "failed":
            final = PlannedTransition(created, "finish", last, None, spec.final_output(execution.input, rng), "done")
            if after_resume:
                after_resume.append((offset + 1.0, final))
            else:
                final.at = t + timedelta(seconds=1)
                plan.append(final)
        execution.plan = plan
        execution.after_resume = after_resume

    def _apply_due(self, execution: SimExecution, now: datetime) -> None:
        if execution.status == "queued" and execution.starting_at and execution.starting_at <= now:
            execution.status = "starting"
            execution.updated_at = execution.starting_at
        while execution.plan and execution.plan[0].at <= now:
            planned = execution.plan.pop(0)
            self._record(execution, planned)
            execution.updated_at = planned.at
            if planned.type == "init":
                execution.status = "running"
                execution.workflow_started_at = planned.at
            elif planned.type == "wait":
                execution.status = "awaiting_input"
            elif planned.type == "finish":
                execution.status = "succeeded"
                execution.output = planned.output
            elif planned.type == "error":
                execution.status = "failed"
                execution.error = str(planned.output.get("error"))

    def _record(self, execution: SimExecution, planned: PlannedTransition) -> None:
        def target(step: int) -> TransitionTarget:
            return TransitionTarget(workflow="main", step=step, scope_id=execution.scope_id)

        execution.transitions.append(
            Transition(
                id=self.new_id(planned.at),
                execution_id=execution.id,
                type=planned.type,  # type: ignore[arg-type]
                output=planned.output,
                current=target(planned.step),
                next=target(planned.next_step) if planned.next_step is not None else None,
                step_label=planned.label,
                metadata=None,
                created_at=planned.at,
                updated_at=planned.at,
            )
        )

    def _forget_old(self, task_id: str) -> None:
        mine = self.executions_of(task_id)
        for execution in mine[: max(0, len(mine) - KEEP_PER_TASK)]:
            if execution.terminal:
                del self.executions[execution.id]
                self.job_index.pop(execution.job_id, None)
