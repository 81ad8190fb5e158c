"""What the Intuned emulator sends: the wire bodies of its jobs (as listed: JobDBObject; as
read one by one: JobDetails), of their runs, and of a finished run's results link. Each
is made of the simulation's records (``records.py``) as the contract
(``../shared/contracts/``) writes them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from jobdeck.emulators.intuned.models import dump, iso
from jobdeck.emulators.intuned.records import ID_NAMESPACE, JobRecord, RunRecord

if TYPE_CHECKING:
    from jobdeck.emulators.intuned.simulation import IntunedSimulation


def job_list_item(sim: IntunedSimulation, job: JobRecord) -> dict[str, Any]:
    """JobDBObject: snake_case ids (``workspace_id``, ``project_id``), proxy as an object."""
    spec = job.spec
    item: dict[str, Any] = {
        "id": job.id,
        "workspace_id": sim.workspace_id,
        "project_id": sim.project_id(job.project),
        "configuration": dump(spec.configuration),
        "payload": [dump(p) for p in spec.payload],
        "sink": dump(spec.sink),
        "schedule": dump(spec.schedule),
        "next_run_time": iso(job.next_run_time),
        "last_run_time": iso(job.last_run_time),
        "created_at": iso(job.created_at),
        "auth_session": dump(spec.auth_session),
        "proxy": {"version": "v1", "url": spec.proxy} if spec.proxy else None,
        "reason": job.reason,
        "state": job.state,
        "schedule_id": job.schedule_id,
        "source": "API",
    }
    if spec.notifications:
        item["notifications"] = [dump(n) for n in spec.notifications]
    return item


def job_details(sim: IntunedSimulation, job: JobRecord) -> dict[str, Any]:
    """JobDetails (GET one): ``projectId`` in camelCase, proxy as a string."""
    spec = job.spec
    return {
        "id": job.id,
        "configuration": dump(spec.configuration),
        "sink": dump(spec.sink),
        "created_at": iso(job.created_at),
        "next_run_time": iso(job.next_run_time),
        "last_run_time": iso(job.last_run_time),
        "state": job.state,
        "payload": [dump(p) for p in spec.payload],
        "schedule": dump(spec.schedule),
        "projectId": sim.project_id(job.project),
        "auth_session": dump(spec.auth_session),
        "proxy": spec.proxy,
    }


def run_wire(sim: IntunedSimulation, run: RunRecord) -> dict[str, Any]:
    return {
        "id": run.id,
        "start_time": iso(run.start_time),
        "end_time": iso(run.end_time),
        "workspace_id": sim.workspace_id,
        "project_id": sim.project_id(run.project),
        "job_id": run.job_id,
        "created_at": iso(run.created_at),
        "updated_at": iso(run.updated_at),
        "type": run.type,
        "status": run.status,
        "payloads": run.payloads,
        "successful_runs": run.successful_runs,
        "failed_runs": run.failed_runs,
        "error": run.error,
        "reason": run.reason,
        "job_configuration_snapshot": run.snapshot,
    }


def results_wire(sim: IntunedSimulation, run: RunRecord, now: datetime) -> dict[str, Any] | None:
    """The aggregated output's download link, once a run has finished with some results."""
    if not run.final or not run.successful_runs:
        return None
    key = f"{sim.workspace_id}/{run.project}/{run.job_id}/{run.id}.json"
    signature = uuid.uuid5(ID_NAMESPACE, key).hex
    return {
        "signed_url": f"https://intuned-results.s3.amazonaws.com/{key}?X-Amz-Expires=3600&X-Amz-Signature={signature}",
        "signed_url_expiration": iso(now + timedelta(hours=1)),
        "size": 512 * run.successful_runs,
        "key": key,
        "format": "json",
    }
