"""The simulated tenant's agents at work, as Istari agents work.

Each agent polls for Pending jobs, claims one it may run (one job at a time),
then reports Validating, Running, Uploading and an end status, each with a
message, through the same status history the API serves. What it reports, and
when, is decided by ``rules``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from jobdeck.emulators.istari.models import Job, JobAgentInformation, JobStatusName
from jobdeck.emulators.istari.rules import Plan, due_after, next_status
from jobdeck.emulators.istari.tenant import AGENT_POOLS, AGENTS, Agent, FunctionSpec


class Registry(Protocol):
    """What the agents use of the registry: its random numbers and its jobs' status histories."""

    rng: random.Random

    def function_spec(self, job: Job) -> FunctionSpec: ...

    def append_status(
        self,
        job: Job,
        status: JobStatusName,
        at: datetime,
        *,
        agent_id: str | None = None,
        message: str | None = None,
        by: str | None = None,
    ) -> None: ...


class Agents:
    """The agents, and the job each one is busy with (None when it is free)."""

    def __init__(self, registry: Registry, agents: Iterable[Agent] = AGENTS) -> None:
        self.registry = registry
        self.agents = tuple(agents)
        self.busy: dict[str, str | None] = {agent.id: None for agent in self.agents}

    def knows(self, agent_id: str) -> bool:
        return agent_id in self.busy

    def may_claim(self, agent_id: str, job: Job) -> bool:
        """Whether ``job`` is one the agent would see when it polls: Pending, active, not someone
        else's, and for the agent's pool when it is assigned to one."""
        return (
            job.status_name is JobStatusName.PENDING
            and not job.archived
            and job.assigned_agent_id in (None, agent_id)
            and _in_pool(agent_id, job)
        )

    def work(self, job: Job, plan: Plan, now: datetime) -> None:
        """One tick of work on ``job``: a free agent claims it, or its agent reports what is due."""
        if job.status_name is JobStatusName.PENDING:
            self._try_claim(job, plan, now)
        elif plan.due is not None and now >= plan.due:
            self._advance(job, plan, now)

    def release(self, job: Job) -> None:
        """The job ended: its agent is free again."""
        for agent_id, job_id in self.busy.items():
            if job_id == job.id:
                self.busy[agent_id] = None

    def _try_claim(self, job: Job, plan: Plan, now: datetime) -> None:
        for agent in self.agents:
            if self.busy[agent.id] is not None:
                continue
            if job.assigned_agent_id not in (None, agent.id) or not _in_pool(agent.id, job):
                continue
            self.busy[agent.id] = job.id
            job.assigned_agent_id = agent.id
            job.agent_information = JobAgentInformation(agent_id=agent.id, display_name=agent.display_name)
            self.registry.append_status(job, JobStatusName.CLAIMED, now, agent_id=agent.id,
                                        message=f"claimed by {agent.display_name}")
            plan.due = now + timedelta(seconds=plan.seconds[JobStatusName.CLAIMED])
            return

    def _advance(self, job: Job, plan: Plan, now: datetime) -> None:
        if job.status_name is JobStatusName.CREATED:
            # The registry, not an agent, queues a new job once it is stored.
            self.registry.append_status(job, JobStatusName.PENDING, now, message="waiting for an agent")
            plan.due = None
            return
        step = next_status(job.status_name, plan, self.registry.function_spec(job), self.registry.rng)
        if step is None:
            return
        status, message = step
        self.registry.append_status(job, status, now, agent_id=job.assigned_agent_id, message=message)
        plan.due = due_after(plan, status, now)
        if status.is_terminal:
            self.release(job)


def _in_pool(agent_id: str, job: Job) -> bool:
    """Whether the agent may take ``job`` as far as its agent pool goes (no pool: any agent)."""
    pool = job.assigned_agent_pool_id
    return pool is None or agent_id in AGENT_POOLS.get(pool, ())
