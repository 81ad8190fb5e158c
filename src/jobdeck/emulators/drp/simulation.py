"""The simulated DRP world: machines running workflows, one job per task.

Everything here is driven by ``step(now)`` (one fixed tick) and by the API
calls the routes forward (patches, deletes, Runnable, restarts), so a world
depends only on its seed and on simulated time. It owns its own rng, separate
from the one the fault switch draws from, so faults never change the story.

The runner behaviour follows the contract's v3-code notes: a job is
``created``, then ``running`` while it appends to its log, then ``finished``
or ``failed``. A failure stops the machine (``Runnable=false``); when it is
made Runnable again the next job re-runs the same task with ``Previous`` set to
the failed job. Old logs are archived (``Archived=true``, log moved to the
archive store).
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jobdeck.emulators.drp.models import Job, Machine, WorkOrder

#: workflow → [(stage, task)]. Names follow DRP's community content.
WORKFLOWS: dict[str, list[tuple[str, str]]] = {
    "discover-base": [("discover", "gohai"), ("discover", "inventory-minimal"), ("sledgehammer-wait", "set-machine-ip")],
    "ubuntu-base": [
        ("discover", "gohai"),
        ("ubuntu-install", "ubuntu-base-install"),
        ("finish-install", "set-hostname"),
        ("finish-install", "ssh-access"),
        ("complete", "complete"),
    ],
    "burnin": [("burnin", "cpu-burnin"), ("burnin", "mem-burnin"), ("burnin", "disk-burnin")],
    "raid-config": [("hardware-tools", "raid-tools-install"), ("raid-configure", "raid-configure"), ("bios", "bios-configure")],
}

_LOG_LINES: dict[str, list[str]] = {
    "default": ["running {task} step {n}", "checking state of {machine}", "waiting for agent", "ok: {task} step {n} done"],
    "install": ["apt-get install -y package-{n}", "Unpacking package-{n} ...", "Setting up package-{n} ...", "update-initramfs: generating /boot/initrd"],
    "burnin": ["stress-ng: pass {n} ok", "temperature 6{n}C", "errors: 0 after pass {n}", "bandwidth {n}0 GB/s"],
}

_FAILURES = [
    "apt-get exited 100",
    "Command exited with status 1",
    "raid controller not found",
    "timeout waiting for agent",
    "disk /dev/sdb reported SMART errors",
]

#: Newest ended jobs per machine whose logs stay live; older ones get archived.
KEEP_LIVE_LOGS = 4
FAIL_RATE = 0.12
#: Ticks a failed machine waits before "the operator" makes it Runnable again.
OPERATOR_DELAY = (20, 60)

#: Called for every change: (action, job wire dict, original wire dict or None, principal).
Publish = Callable[[str, dict[str, Any], dict[str, Any] | None, str], None]


@dataclass
class _Runner:
    """What the machine agent is doing (not on the wire)."""

    remaining: int = 0
    will_fail: bool = False
    line: int = 0
    idle_until: datetime | None = None
    recover_at: datetime | None = None
    #: Set by a work order restart: the task index the next job runs.
    next_index: int | None = None


@dataclass
class World:
    seed: int = 0
    machine_count: int = 6
    publish: Publish | None = None
    rng: random.Random = field(init=False)
    machines: dict[str, Machine] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    logs: dict[str, bytearray] = field(default_factory=dict)
    archives: dict[str, bytes] = field(default_factory=dict)
    work_orders: dict[str, WorkOrder] = field(default_factory=dict)
    _runners: dict[str, _Runner] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"drp-world-{self.seed}")
        names = list(WORKFLOWS)
        for index in range(self.machine_count):
            machine = Machine(
                Uuid=self.new_uuid(),
                Name=f"node-{index + 1:02d}",
                Workflow=names[index % len(names)],
                # Every third machine runs its workflows as work orders (v4.1x).
                WorkOrderMode=index % 3 == 2,
            )
            self.machines[machine.Uuid] = machine
            self._runners[machine.Uuid] = _Runner()

    # -- identity ---------------------------------------------------------------

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _runner_token(self, machine: Machine) -> str:
        """A JWT-looking runner token. Real DRP hands one to the agent on POST /jobs;
        the emulator puts it on every job so clients are forced to redact it."""
        claims = base64.urlsafe_b64encode(json.dumps({"sub": f"runner:{machine.Uuid}"}).encode()).decode().rstrip("=")
        return f"eyJhbGciOiJIUzI1NiJ9.{claims}.{self.rng.getrandbits(64):016x}"

    # -- the clock ----------------------------------------------------------------

    def step(self, now: datetime) -> None:
        for machine_id in list(self.machines):
            self._step_machine(self.machines[machine_id], now)

    def _step_machine(self, machine: Machine, now: datetime) -> None:
        runner = self._runners[machine.Uuid]
        job = self.jobs.get(machine.CurrentJob)
        if job is not None and job.State == "created":
            self._set_state(job, "running", now, machine)
            self._append(job, now, f"Starting task {job.Task} on {machine.Name}")
            return
        if job is not None and job.State == "running":
            runner.remaining -= 1
            for _ in range(self.rng.randint(1, 3)):
                runner.line += 1
                self._append(job, now, self._log_line(job, machine, runner.line))
            if runner.remaining <= 0:
                self._end_job(job, machine, runner, now)
            return
        if not machine.Runnable:
            if runner.recover_at is not None and now >= runner.recover_at:
                self.set_runnable(machine.Uuid, True)
            return
        if runner.idle_until is not None and now < runner.idle_until:
            return
        if machine.WorkflowComplete or not machine.Tasks:
            self._start_workflow(machine, now)
        self._create_job(machine, runner, now)

    # -- workflow and jobs ----------------------------------------------------------

    def _start_workflow(self, machine: Machine, now: datetime) -> None:
        workflow = machine.Workflow if not machine.Tasks else self.rng.choice(sorted(WORKFLOWS))
        steps = WORKFLOWS[workflow]
        machine.Workflow = workflow
        machine.Tasks = [task for _, task in steps]
        machine.CurrentTask = -1
        machine.WorkflowComplete = False
        if machine.WorkOrderMode:
            order = WorkOrder(Uuid=self.new_uuid(), Machine=machine.Uuid, Blueprint=workflow,
                              Tasks=list(machine.Tasks), State="running", StartTime=now)
            self.work_orders[order.Uuid] = order
            machine.Meta = {**machine.Meta, "work_order": order.Uuid}

    def _create_job(self, machine: Machine, runner: _Runner, now: datetime, *, job_id: str | None = None) -> None:
        last = self.jobs.get(machine.CurrentJob)
        if runner.next_index is not None:
            index, runner.next_index = runner.next_index, None
        elif last is not None and last.State == "failed":
            index = machine.CurrentTask  # the "failed, retrying" branch: same task again
        else:
            index = machine.CurrentTask + 1
        stage, task = WORKFLOWS[machine.Workflow][index]
        order = machine.Meta.get("work_order", "") if machine.WorkOrderMode else ""
        job = Job(
            Uuid=job_id or self.new_uuid(),
            Previous=last.Uuid if last is not None else "",
            Machine=machine.Uuid,
            Task=task,
            Stage=stage,
            State="created",
            StartTime=now,
            CurrentIndex=index,
            NextIndex=index + 1,
            Workflow=machine.Workflow,
            BootEnv="ubuntu-22.04-install" if stage == "ubuntu-install" else "sledgehammer",
            WorkOrder=order,
            TargetPrefix="machines",
            TargetKey=machine.Uuid,
            Token=self._runner_token(machine),
            Meta={"color": "black", "icon": "tasks"} if index == 0 else {},
            CreatedAt=now,
            CreatedBy=f"runner:{machine.Uuid}",
            LastModifiedAt=now,
            LastModifiedBy=f"runner:{machine.Uuid}",
        )
        if last is not None and last.Current:
            self._modify(last, now, Current=False)
        self.jobs[job.Uuid] = job
        self.logs[job.Uuid] = bytearray()
        machine.CurrentTask = index
        machine.CurrentJob = job.Uuid
        machine.Stage = stage
        machine.JobState = "created"
        machine.JobExitState = ""
        machine.JobResultErrors = []
        runner.remaining = self.rng.randint(3, 12)
        runner.will_fail = self.rng.random() < FAIL_RATE
        runner.line = 0
        runner.idle_until = None
        self._emit("create", job, None, f"runner:{machine.Uuid}")

    def _end_job(self, job: Job, machine: Machine, runner: _Runner, now: datetime) -> None:
        if runner.will_fail:
            reason = self.rng.choice(_FAILURES)
            self._append(job, now, f"ERROR: {reason}")
            self._set_state(job, "failed", now, machine, ExitState="failed", EndTime=now, ResultErrors=[reason])
            machine.Runnable = False
            machine.JobResultErrors = [reason]
            runner.recover_at = now + timedelta(seconds=self.rng.randint(*OPERATOR_DELAY))
            order = self.work_orders.get(job.WorkOrder)
            if order is not None:
                order.State, order.EndTime = "failed", now
        else:
            exit_state = "reboot" if job.Stage == "ubuntu-install" else "complete"
            self._append(job, now, f"Task {job.Task} complete")
            self._set_state(job, "finished", now, machine, ExitState=exit_state, EndTime=now)
            if machine.CurrentTask + 1 >= len(machine.Tasks):
                machine.WorkflowComplete = True
                runner.idle_until = now + timedelta(seconds=self.rng.randint(5, 20))
                order = self.work_orders.get(job.WorkOrder)
                if order is not None:
                    order.State, order.EndTime = "finished", now
        self._archive_old_logs(machine, now)

    def _set_state(self, job: Job, state: str, now: datetime, machine: Machine, **fields: Any) -> None:
        self._modify(job, now, State=state, **fields)
        machine.JobState = state
        machine.JobExitState = fields.get("ExitState", machine.JobExitState)

    def _archive_old_logs(self, machine: Machine, now: datetime) -> None:
        ended = [j for j in self.jobs.values()
                 if j.Machine == machine.Uuid and j.State in ("finished", "failed") and not j.Archived]
        for job in ended[:-KEEP_LIVE_LOGS]:
            self.archives[job.Uuid] = bytes(self.logs.pop(job.Uuid, b""))
            self._modify(job, now, Archived=True)

    def _log_line(self, job: Job, machine: Machine, n: int) -> str:
        kind = "install" if "install" in job.Task else "burnin" if "burnin" in job.Task else "default"
        return self.rng.choice(_LOG_LINES[kind]).format(task=job.Task, machine=machine.Name, n=n)

    def _append(self, job: Job, now: datetime, line: str) -> None:
        if job.Uuid in self.logs:
            self.logs[job.Uuid] += f"{now.strftime('%H:%M:%S')} {line}\n".encode()

    # -- changes made through the API ------------------------------------------------

    def _modify(self, job: Job, now: datetime, **fields: Any) -> None:
        original = job.wire()
        for name, value in fields.items():
            setattr(job, name, value)
        job.LastModifiedAt = now
        who = f"runner:{job.Machine}"
        job.LastModifiedBy = who
        self._emit("update", job, original, who)

    def replace_job(self, new: Job, now: datetime, *, action: str, principal: str) -> Job:
        """Store a job changed by PATCH/PUT and announce it (``update``/``save``)."""
        original = self.jobs[new.Uuid].wire()
        new.LastModifiedAt = now
        new.LastModifiedBy = principal.partition(":")[2] or principal
        self.jobs[new.Uuid] = new
        self._emit(action, new, original, principal)
        return new

    def post_job(self, machine_id: str, now: datetime, *, job_id: str | None = None) -> tuple[int, Job | None, str]:
        """``POST /jobs`` from a runner asking for its next job, as the v3 code answers it:
        (status, job, message). 201 a new job; 202 the machine's ``incomplete`` job handed
        back; 204 no task left; 409 a machine that is not Runnable or already has a
        ``created``/``running`` job; 422 no such machine."""
        machine = self.machines.get(machine_id)
        if machine is None:
            return 422, None, f"Machine {machine_id} does not exist"
        if not (machine.Runnable and machine.Available):
            return 409, None, f"Machine {machine_id} is not runnable"
        current = self.jobs.get(machine.CurrentJob)
        if current is not None and current.State in ("created", "running"):
            return 409, None, f"Machine {machine_id} already has running or created job"
        if current is not None and current.State == "incomplete":
            return 202, current, ""
        runner = self._runners[machine_id]
        if machine.WorkflowComplete or not machine.Tasks:
            return 204, None, ""
        self._create_job(machine, runner, now, job_id=job_id)
        return 201, self.jobs[machine.CurrentJob], ""

    def delete_job(self, job_id: str, *, principal: str) -> Job:
        job = self.jobs.pop(job_id)
        self.logs.pop(job_id, None)
        self.archives.pop(job_id, None)
        self._emit("delete", job, None, principal)
        return job

    def set_runnable(self, machine_id: str, runnable: bool) -> None:
        """``Runnable=true`` on a stopped machine: the agent's next job re-runs a failed task."""
        self.machines[machine_id].Runnable = runnable
        runner = self._runners[machine_id]
        runner.recover_at = None
        if runnable:
            runner.idle_until = None

    def restart_work_order(self, order_id: str, mode: str, now: datetime) -> WorkOrder:
        """``POST /work_orders/{uuid}/restart``: a successor order; ``retry`` re-runs the failed task,
        ``continue`` skips it, ``from-start`` runs every task again."""
        old = self.work_orders[order_id]
        machine = self.machines[old.Machine]
        successor = WorkOrder(Uuid=self.new_uuid(), Machine=old.Machine, Blueprint=old.Blueprint,
                              Tasks=list(old.Tasks), State="running", StartTime=now,
                              Meta={"restart-of": old.Uuid, "mode": mode})
        self.work_orders[successor.Uuid] = successor
        machine.Meta = {**machine.Meta, "work_order": successor.Uuid}
        runner = self._runners[machine.Uuid]
        if mode == "from-start":
            runner.next_index = 0
        elif mode == "continue":
            runner.next_index = min(machine.CurrentTask + 1, len(machine.Tasks) - 1)
        self.set_runnable(machine.Uuid, True)
        return successor

    def _emit(self, action: str, job: Job, original: dict[str, Any] | None, principal: str) -> None:
        if self.publish is not None:
            self.publish(action, job.wire(), original, principal)
