"""The Intuned world the emulator serves: jobs, their runs, and how runs move.

Pure state and rules, no HTTP. ``step(now)`` advances every run by one tick:
a run waits in the queue a few ticks, then works through its payloads (the
success and failure counts grow), and ends as SUCCESS (no failures),
COMPLETED (some failed), FAILURE (all failed, or a run error) or, by request,
TERMINATED; a trigger while a run is active makes a CANCELED run with reason
``another-job-run-active``. Pausing a job pauses its active run (PAUSING, then
PAUSED); resuming it resumes the run (RESUMING, then PENDING).

Outcomes come from a random generator per run, seeded by the emulator's seed
and the run's id, so they depend only on the seed and on what was asked,
never on how often anyone polled.

The records it keeps are ``records.py``'s; what is sent of them, ``bodies.py``'s.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from jobdeck.emulators.intuned.models import (
    DOC_ERRORS,
    DOC_REASONS,
    CreateJob,
    UpdateJob,
    dump,
    iso,
)
from jobdeck.emulators.intuned.records import ID_NAMESPACE, JobRecord, NotFoundError, Profile, RunRecord, SimulationError
from jobdeck.emulators.intuned.schedule import next_run, validate_schedule

__all__ = ["IntunedSimulation", "JobRecord", "NotFoundError", "Profile", "RunRecord", "SimulationError"]


class IntunedSimulation:
    """Every project's jobs and runs, and the rules that move them."""

    def __init__(self, *, seed: int, workspace_id: str, projects: list[str]) -> None:
        self.seed = seed
        self.workspace_id = workspace_id
        self.jobs: dict[str, dict[str, JobRecord]] = {name: {} for name in projects}
        self.runs: dict[tuple[str, str], list[RunRecord]] = {}
        self._ids = random.Random(f"intuned-ids:{seed}")

    # -- identities ------------------------------------------------------------

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def project_id(self, project: str) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, f"{self.workspace_id}/{project}"))

    # -- lookups -----------------------------------------------------------------

    def project_jobs(self, project: str) -> dict[str, JobRecord]:
        if project not in self.jobs:
            raise NotFoundError(f"Project {project} not found")
        return self.jobs[project]

    def job(self, project: str, job_id: str) -> JobRecord:
        jobs = self.project_jobs(project)
        if job_id not in jobs:
            raise NotFoundError(f"Job {job_id} not found")
        return jobs[job_id]

    def job_runs(self, project: str, job_id: str) -> list[RunRecord]:
        self.job(project, job_id)
        return self.runs.setdefault((project, job_id), [])

    def run(self, project: str, job_id: str, run_id: str) -> RunRecord:
        for run in self.job_runs(project, job_id):
            if run.id == run_id:
                return run
        raise NotFoundError(f"Job run {run_id} not found")

    def active_run(self, project: str, job_id: str) -> RunRecord | None:
        return next((run for run in self.job_runs(project, job_id) if not run.final), None)

    # -- job requests ----------------------------------------------------------------

    def create_job(self, project: str, body: CreateJob, now: datetime, profile: Profile | None = None) -> JobRecord:
        jobs = self.project_jobs(project)
        if body.id in jobs:
            raise SimulationError(f"Job {body.id} already exists")
        spec = UpdateJob.model_validate(body.model_dump(exclude={"id"}))
        _check_schedule(spec)
        job = JobRecord(id=body.id, project=project, spec=spec, created_at=now, profile=profile or Profile())
        job.schedule_id = self.new_uuid() if spec.schedule else None
        job.next_run_time = next_run(spec.schedule, now, now)
        jobs[job.id] = job
        self.runs[(project, job.id)] = []
        return job

    def update_job(self, project: str, job_id: str, body: UpdateJob, now: datetime) -> JobRecord:
        job = self.job(project, job_id)
        _check_schedule(body)
        job.spec = body
        job.schedule_id = (job.schedule_id or self.new_uuid()) if body.schedule else None
        job.next_run_time = next_run(body.schedule, now, job.created_at) if job.state == "ACTIVE" else None
        return job

    def delete_job(self, project: str, job_id: str) -> None:
        self.job(project, job_id)
        del self.jobs[project][job_id]
        self.runs.pop((project, job_id), None)

    def pause(self, project: str, job_id: str, now: datetime) -> None:
        job = self.job(project, job_id)
        if job.state == "PAUSED":
            return
        job.state = "PAUSED"
        job.next_run_time = None
        job.reason = {"type": "paused", "message": "Job paused by user", "timestamp": iso(now)}
        run = self.active_run(project, job_id)
        if run is not None and run.status in ("PENDING", "RESUMING"):
            _set_status(run, "PAUSING", now)

    def resume(self, project: str, job_id: str, now: datetime) -> None:
        job = self.job(project, job_id)
        if job.state == "ACTIVE":
            return
        job.state = "ACTIVE"
        job.reason = None
        job.next_run_time = next_run(job.spec.schedule, now, job.created_at)
        run = self.active_run(project, job_id)
        if run is not None and run.status in ("PAUSED", "PAUSING"):
            _set_status(run, "RESUMING", now)

    def trigger(self, project: str, job_id: str, now: datetime) -> RunRecord:
        """A new MANUAL run; CANCELED with ``another-job-run-active`` if one is running."""
        job = self.job(project, job_id)
        if job.state == "PAUSED":
            raise SimulationError(f"Job {job_id} is paused; resume it before triggering a run")
        busy = self.active_run(project, job_id)
        run = self._start_run(job, "MANUAL", now)
        if busy is not None:
            run.status = "CANCELED"
            run.end_time = now
            run.reason = {
                "type": "another-job-run-active",
                "message": f"Job run {busy.id} is still active",
                "doc_url": f"{DOC_REASONS}#another-job-run-active",
            }
        return run

    def terminate(self, project: str, job_id: str, run_id: str, now: datetime) -> RunRecord:
        run = self.run(project, job_id, run_id)
        if not run.final:
            _set_status(run, "TERMINATED", now)
            run.end_time = now
            run.reason = {"type": "user-request", "message": "Terminated by user", "doc_url": DOC_REASONS}
        return run

    # -- history, for scenarios --------------------------------------------------------

    def add_finished_run(self, job: JobRecord, *, type: str, start: datetime, seconds: float,
                         successful: int, failed: int, status: str,
                         error_code: str | None = None, reason: dict[str, Any] | None = None) -> RunRecord:
        """A run that happened before the emulator started (demo history)."""
        run = self._start_run(job, type, start)
        run.queue_left = 0
        run.successful_runs, run.failed_runs = successful, failed
        run.status = status
        run.end_time = run.updated_at = start + timedelta(seconds=seconds)
        if error_code:
            run.error = self._run_error(error_code)
        run.reason = reason
        return run

    # -- the clock -------------------------------------------------------------------------

    def step(self, now: datetime) -> None:
        """One tick ending at ``now``: start due scheduled runs, move active ones."""
        for jobs in self.jobs.values():
            for job in jobs.values():
                self._start_if_due(job, now)
                for run in self.runs.get((job.project, job.id), []):
                    if not run.final:
                        self._advance(job, run, now)

    def _start_if_due(self, job: JobRecord, now: datetime) -> None:
        due = job.next_run_time
        if job.state != "ACTIVE" or due is None or due > now:
            return
        if self.active_run(job.project, job.id) is None:
            self._start_run(job, "SCHEDULED", due)
        # A schedule that fires while a run is active skips that slot.
        job.next_run_time = next_run(job.spec.schedule, now, job.created_at)

    def _advance(self, job: JobRecord, run: RunRecord, now: datetime) -> None:
        if run.status == "PAUSING":
            _set_status(run, "PAUSED", now)
            return
        if run.status == "RESUMING":
            _set_status(run, "PENDING", now)
            return
        if run.status != "PENDING":
            return
        if run.queue_left > 0:
            run.queue_left -= 1
            return
        profile = job.profile
        for _ in range(job.rate):
            if run.done >= run.payloads:
                break
            if run.rng.random() < profile.failure_rate:
                run.failed_runs += 1
            else:
                run.successful_runs += 1
            if profile.error_code and run.done >= profile.error_after:
                run.error = self._run_error(profile.error_code)
                _set_status(run, "FAILURE", now)
                run.end_time = now
                return
        run.updated_at = now
        if run.done >= run.payloads:
            status = "SUCCESS" if not run.failed_runs else "FAILURE" if not run.successful_runs else "COMPLETED"
            _set_status(run, status, now)
            run.end_time = now

    def _start_run(self, job: JobRecord, type: str, start: datetime) -> RunRecord:
        run_id = self.new_uuid()
        run = RunRecord(
            id=run_id,
            job_id=job.id,
            project=job.project,
            type=type,
            status="PENDING",
            created_at=start,
            start_time=start,
            updated_at=start,
            payloads=job.total_payloads,
            snapshot=self._snapshot(job),
            rng=random.Random(f"intuned-run:{self.seed}:{run_id}"),
            queue_left=job.profile.queue_ticks,
        )
        self.runs.setdefault((job.project, job.id), []).append(run)
        job.last_run_time = start
        return run

    def _run_error(self, code: str) -> dict[str, Any]:
        billing = code == "insufficient-resource-credits"
        return {
            "message": "Not enough resource credits to continue the run" if billing
            else "The browser worker stopped responding",
            "code": code,
            "category": "billing" if billing else "infrastructure",
            "correlationId": self.new_uuid(),
            "retirable": not billing,
            "doc_url": f"{DOC_ERRORS}#{code}",
        }

    def _snapshot(self, job: JobRecord) -> dict[str, Any]:
        spec = job.spec
        snapshot: dict[str, Any] = {
            "configuration": dump(spec.configuration),
            "sink": dump(spec.sink),
            "auth_session": dump(spec.auth_session),
            "proxy": {"version": "v1", "url": spec.proxy} if spec.proxy else None,
        }
        if spec.notifications:
            snapshot["notifications"] = [dump(item) for item in spec.notifications]
        return snapshot


def _set_status(run: RunRecord, status: str, now: datetime) -> None:
    run.status = status
    run.updated_at = now


def _check_schedule(spec: UpdateJob) -> None:
    try:
        validate_schedule(spec.schedule)
    except ValueError as exc:
        raise SimulationError(f"Invalid schedule: {exc}") from exc
