"""The simulated Istari registry: its jobs, stored files and functions, and what the API does to them.

Everything random comes from the world's own ``random.Random`` (not the
emulator's, which also decides faults), and everything time-dependent from the
``now`` passed to :meth:`IstariWorld.step`, so the state depends only on the
seed, simulated time and the API calls made: deterministic.

The tenant's fixed data is in ``tenant``; the agents that work through the jobs
in ``agents``, by the step rules in ``rules``.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jobdeck.emulators.istari.access import AccessRelationship, PatchOp, owner_of, patched
from jobdeck.emulators.istari.agents import Agents
from jobdeck.emulators.istari.models import (
    ArchiveStatusName,
    Comment,
    File,
    FileRevision,
    FunctionStatus,
    FunctionVersion,
    Job,
    JobStatus,
    JobStatusName,
    ResourceArchiveStatus,
    Token,
)
from jobdeck.emulators.istari.rules import Plan, plan_job
from jobdeck.emulators.istari.tenant import (
    AGENT_POOLS,
    CALLER_ID,
    FUNCTIONS,
    MODEL_IDS,
    OTHER_USER_ID,
    TENANT_ID,
    FunctionSpec,
)

#: How far back the world's history starts before the emulator's start time.
BACKFILL = timedelta(minutes=15)
#: Jobs the simulation submits at most (API submissions are not capped).
MAX_SIMULATED_JOBS = 400
#: Seconds between two simulated submissions (inclusive range).
SUBMIT_EVERY = (12, 32)


class Conflict(Exception):
    """A request the registry refuses with 409."""


class Missing(Exception):
    """Something the registry does not have (404)."""


@dataclass
class IstariWorld:
    """The registry's state plus the agents that work through its jobs."""

    seed: int
    start: datetime
    rng: random.Random = field(init=False)
    jobs: dict[str, Job] = field(default_factory=dict)
    #: Stored objects (parameters files, comments) by content sha.
    blobs: dict[str, bytes] = field(default_factory=dict)
    #: Each job's access relationships, once asked for or changed (until then: its creator owns it).
    access: dict[str, list[AccessRelationship]] = field(default_factory=dict)
    functions: dict[str, FunctionVersion] = field(default_factory=dict)
    agents: Agents = field(init=False)
    _specs: dict[str, FunctionSpec] = field(default_factory=dict)
    _plans: dict[str, Plan] = field(default_factory=dict)
    _next_submit: datetime | None = None
    _simulated: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(f"istari-{self.seed}")
        epoch = self.start - timedelta(days=90)
        for spec in FUNCTIONS:
            version = self._function_version(spec, epoch)
            self.functions[spec.name] = version
            self._specs[spec.name] = spec
        self.agents = Agents(self)

    # -- history ----------------------------------------------------------------

    def backfill(self) -> None:
        """Give the world a past: BACKFILL of agents at work, one archived job, a comment."""
        at = self.start - BACKFILL
        for _ in range(4):
            self.submit_simulated(at)
        self._next_submit = at + timedelta(seconds=self.rng.randint(*SUBMIT_EVERY))
        tick = timedelta(seconds=1)
        while at < self.start:
            at += tick
            self.step(at)
        finished = [job for job in self.jobs.values() if job.status_name is JobStatusName.COMPLETED]
        if finished:
            oldest = finished[0]
            self.archive(oldest.id, reason="superseded by a rerun", at=self.start - timedelta(seconds=30))
            self.add_comment(finished[-1].id, "Geometry looks right; sent to the stress team.",
                             at=self.start - timedelta(seconds=20), by=OTHER_USER_ID)

    # -- the simulation ---------------------------------------------------------

    def step(self, now: datetime) -> None:
        """Advance agents and submissions to ``now`` (one tick)."""
        if self._next_submit is not None and now >= self._next_submit:
            if self._simulated < MAX_SIMULATED_JOBS:
                self.submit_simulated(now)
            self._next_submit = now + timedelta(seconds=self.rng.randint(*SUBMIT_EVERY))
        for job in list(self.jobs.values()):
            plan = self._plans.get(job.id)
            if plan is None or job.status_name.is_terminal:
                continue
            self.agents.work(job, plan, now)

    def submit_simulated(self, at: datetime) -> Job:
        spec = self.rng.choice(FUNCTIONS)
        model_id = self.rng.choice(MODEL_IDS)
        by = CALLER_ID if self.rng.random() < 0.7 else OTHER_USER_ID
        revision = self.store_parameters(spec.parameters, at=at, by=by)
        self._simulated += 1
        return self.submit(model_id, spec.name, revision, at=at, by=by)

    def function_spec(self, job: Job) -> FunctionSpec:
        """What the tenant knows of the function ``job`` runs."""
        return self._specs[job.function.name]

    # -- what the API does ------------------------------------------------------

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise Missing("Job not found")
        return job

    def select(
        self,
        *,
        status: JobStatusName | None = None,
        archived: bool | None = False,
        name: str | None = None,
        model_id: str | None = None,
        agent_pool_id: str | None = None,
        newest_first: bool = True,
    ) -> list[Job]:
        """Jobs matching the list filters; ``archived=None`` means both."""
        found: Iterable[Job] = self.jobs.values()
        if newest_first:
            found = reversed(list(found))
        result = []
        for job in found:
            if archived is not None and job.archived is not archived:
                continue
            if status is not None and job.status_name is not status:
                continue
            if name is not None and name.casefold() not in job.function.name.casefold():
                continue
            if model_id is not None and job.model_id != model_id:
                continue
            if agent_pool_id is not None and job.assigned_agent_pool_id != agent_pool_id:
                continue
            result.append(job)
        return result

    def available_for(self, agent_id: str) -> list[Job]:
        if not self.agents.knows(agent_id):
            raise Missing("Agent not found")
        return [job for job in self.jobs.values() if self.agents.may_claim(agent_id, job)]

    def submit(
        self,
        model_id: str,
        function_name: str,
        revision: FileRevision,
        *,
        at: datetime,
        by: str = CALLER_ID,
        function_version: str | None = None,
        assigned_agent_id: str | None = None,
        assigned_agent_pool_id: str | None = None,
    ) -> Job:
        function = self.functions.get(function_name)
        if function is None or (function_version and function_version != function.version):
            raise Missing(f"Function {function_name} {function_version or ''}".rstrip() + " not found")
        if model_id not in MODEL_IDS:
            raise Missing("Model not found")
        if revision.content_token.sha not in self.blobs:
            raise Missing("Token not found: upload the parameters file first")
        self._check_assignment(assigned_agent_id, assigned_agent_pool_id)
        job_id = self._uuid()
        file_id = revision.file_id or self._uuid()
        revision = revision.model_copy(update={"file_id": file_id})
        job = Job(
            id=job_id,
            created=at,
            file=File(id=file_id, created=revision.created, revisions=[revision],
                      resource_id=job_id, resource_type="job", created_by_id=by, tenant_id=TENANT_ID),
            created_by_id=by,
            function=function,
            model_id=model_id,
            assigned_agent_id=assigned_agent_id,
            assigned_agent_pool_id=assigned_agent_pool_id,
            tenant_id=TENANT_ID,
            archive_status_history=[self._archive_entry(job_id, ArchiveStatusName.ACTIVE, at, None, by)],
        )
        self.append_status(job, JobStatusName.CREATED, at, by=by, message=f"submitted for model {model_id}")
        self.jobs[job_id] = job
        self._plans[job_id] = plan_job(self._specs[function_name], at, self.rng)
        return job

    def archive(self, job_id: str, *, reason: str | None, at: datetime, by: str = CALLER_ID) -> Job:
        job = self.get(job_id)
        if job.archived:
            raise Conflict("Job is already archived")
        job.archive_status_history.append(self._archive_entry(job_id, ArchiveStatusName.ARCHIVED, at, reason, by))
        return job

    def restore(self, job_id: str, *, reason: str | None, at: datetime, by: str = CALLER_ID) -> Job:
        job = self.get(job_id)
        if not job.archived:
            raise Conflict("Job is not archived")
        job.archive_status_history.append(self._archive_entry(job_id, ArchiveStatusName.ACTIVE, at, reason, by))
        return job

    def set_status(
        self,
        job_id: str,
        status: JobStatusName,
        *,
        at: datetime,
        agent_id: str | None = None,
        message: str | None = None,
        by: str = CALLER_ID,
    ) -> Job:
        job = self.get(job_id)
        ended = job.status_name.is_terminal
        if ended and status is not JobStatusName.PENDING:
            raise Conflict(f"Job is {job.status_name.value}: it can only be resubmitted (Pending), "
                           f"not become {status.value}")
        self.append_status(job, status, at, agent_id=agent_id, message=message,
                            by=None if agent_id else by)
        plan = self._plans.get(job_id)
        if status.is_terminal or status is JobStatusName.PENDING:
            self.agents.release(job)
        if status is JobStatusName.PENDING and (ended or plan is None):
            # Resubmitted after it ended: a new run, with a fate of its own, for the next free agent.
            plan = self._plans[job_id] = plan_job(self.function_spec(job), at, self.rng)
        if plan is not None and status is JobStatusName.PENDING:
            plan.due = None
        return job

    def add_revision(self, job_id: str, revision: FileRevision) -> Job:
        """A new revision of the job's file (``PUT /jobs/{job_id}``); its content must be stored already."""
        job = self.get(job_id)
        if revision.content_token.sha not in self.blobs:
            raise Missing("Token not found: upload the file first")
        job.file.revisions.append(revision.model_copy(update={"file_id": job.file.id}))
        return job

    def job_access(self, job_id: str) -> list[AccessRelationship]:
        job = self.get(job_id)
        return self.access.setdefault(job_id, [owner_of(job_id, job.created_by_id)])

    def patch_access(self, job_id: str, change: AccessRelationship, op: PatchOp) -> list[AccessRelationship]:
        self.access[job_id] = patched(self.job_access(job_id), job_id, change, op)
        return self.access[job_id]

    def assign_agent(self, job_id: str, agent_id: str | None) -> Job:
        """``PUT``/``DELETE …/assigned_agent``: only that agent may claim the job (None: any)."""
        job = self.get(job_id)
        self._check_assignment(agent_id, None)
        job.assigned_agent_id = agent_id
        return job

    def assign_agent_pool(self, job_id: str, pool_id: str | None) -> Job:
        """``PUT``/``DELETE …/assigned_agent_pool``: only the pool's agents may claim the job (None: any)."""
        job = self.get(job_id)
        self._check_assignment(None, pool_id)
        job.assigned_agent_pool_id = pool_id
        return job

    def _check_assignment(self, agent_id: str | None, pool_id: str | None) -> None:
        if agent_id is not None and not self.agents.knows(agent_id):
            raise Missing("Agent not found")
        if pool_id is not None and pool_id not in AGENT_POOLS:
            raise Missing("Agent pool not found")

    def store_parameters(self, parameters: dict[str, object], *, at: datetime, by: str) -> FileRevision:
        content = json.dumps(parameters, indent=2).encode()
        return self.store(content, at=at, by=by, name="parameters", extension="json", mime="application/json")

    def store(self, content: bytes, *, at: datetime, by: str, name: str, extension: str, mime: str,
              description: str | None = None) -> FileRevision:
        salt = f"{self.rng.getrandbits(48):012x}"
        sha = _salted_sha(content, salt)
        self.blobs[sha] = content
        properties = json.dumps({"name": name, "extension": extension, "mime": mime}).encode()
        properties_salt = f"{self.rng.getrandbits(48):012x}"
        properties_sha = _salted_sha(properties, properties_salt)
        self.blobs[properties_sha] = properties
        file_id = self._uuid()
        return FileRevision(
            id=self._uuid(), created=at, file_id=file_id,
            content_token=Token(id=self._uuid(), created=at, sha=sha, salt=salt, created_by_id=by),
            properties_token=Token(id=self._uuid(), created=at, sha=properties_sha, salt=properties_salt,
                                   created_by_id=by),
            name=name, extension=extension, size=len(content), mime=mime, description=description,
            display_name=f"{name}.{extension}", created_by_id=by,
        )

    def add_comment(self, job_id: str, text: str, *, at: datetime, by: str) -> Comment:
        job = self.get(job_id)
        revision = self.store(text.encode(), at=at, by=by, name="comment", extension="md",
                              mime="text/markdown", description=text)
        comment_id = self._uuid()
        comment = Comment(
            id=comment_id, created=at, created_by_id=by, resource_id=job_id, resource_type="job",
            file=File(id=revision.file_id or self._uuid(), created=at, revisions=[revision],
                      resource_id=comment_id, resource_type="comment", created_by_id=by),
            archive_status_history=[self._archive_entry(comment_id, ArchiveStatusName.ACTIVE, at, None, by)],
        )
        job.comments.append(comment)
        return comment

    # -- helpers ----------------------------------------------------------------

    def append_status(
        self,
        job: Job,
        status: JobStatusName,
        at: datetime,
        *,
        agent_id: str | None = None,
        message: str | None = None,
        by: str | None = None,
    ) -> None:
        """Add ``status`` to the job's history (the agents report through here too)."""
        job.status_history.append(
            JobStatus(id=self._uuid(), created=at, job_id=job.id, name=status,
                      created_by_id=by, message=message, agent_id=agent_id)
        )

    def _archive_entry(
        self, resource_id: str, name: ArchiveStatusName, at: datetime, reason: str | None, by: str | None
    ) -> ResourceArchiveStatus:
        return ResourceArchiveStatus(id=self._uuid(), created=at, name=name, reason=reason,
                                     created_by_id=by, resource_id=resource_id)

    def _function_version(self, spec: FunctionSpec, at: datetime) -> FunctionVersion:
        function_id = self._uuid()
        return FunctionVersion(
            id=self._uuid(), created=at, name=spec.name, version=spec.version,
            module_name=spec.module, module_version="1.0.0", entrypoint=spec.entrypoint,
            function_schema=None, run_command=f"python -m {spec.entrypoint}", created_by_id="u-1",
            status=FunctionStatus(id=self._uuid(), created=at, created_by_id="u-1", name="supported",
                                  reason=None, function_id=function_id),
            tool_name=spec.tool, tool_display_name=spec.tool_display,
        )

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def summary(self) -> dict[str, object]:
        by_status: dict[str, int] = {}
        for job in self.jobs.values():
            by_status[job.status_name.value] = by_status.get(job.status_name.value, 0) + 1
        return {
            "jobs": len(self.jobs),
            "archived": sum(job.archived for job in self.jobs.values()),
            "by_status": by_status,
            "agents": dict(self.agents.busy),
        }


def _salted_sha(content: bytes, salt: str) -> str:
    """Istari's content hash (as ``istari_digital_core.compare_hash`` checks it): SHA-384 of content + salt."""
    return hashlib.sha384(content + salt.encode()).hexdigest()
