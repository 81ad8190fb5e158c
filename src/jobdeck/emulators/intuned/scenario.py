"""The jobs an Intuned emulator starts with (``scenario="demo"``).

- ``nightly-prices``: a nightly scraper (02:00) whose runs finish with some
  failed payloads; an S3 sink and an auth session (secrets to redact).
- ``catalog-sync``: every 3 minutes, due at the start, so a run is always
  moving in the demo; a webhook sink with an Authorization header.
- ``weekly-report``: paused.
- ``login-check``: hourly; its last run failed with an infrastructure error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jobdeck.emulators.intuned.models import DOC_REASONS, CreateJob
from jobdeck.emulators.intuned.simulation import IntunedSimulation, Profile

DEFAULT_WORKSPACE_ID = "0b8e5a7e-aaaa-4bbb-8ccc-111122223333"
DEFAULT_PROJECT = "shop-scraper"
DEFAULT_API_KEY = "in-demo-4f9c2b7e1d"
SCENARIOS = ("demo", "empty")


def seed_scenario(sim: IntunedSimulation, name: str, project: str, now: datetime) -> None:
    if name == "empty":
        return
    if name != "demo":
        raise ValueError(f"unknown Intuned scenario {name!r}; known: {', '.join(SCENARIOS)}")
    _nightly_prices(sim, project, now)
    _catalog_sync(sim, project, now)
    _weekly_report(sim, project, now)
    _login_check(sim, project, now)


def _create(sim: IntunedSimulation, project: str, body: dict[str, Any], created: datetime,
            profile: Profile) -> Any:
    return sim.create_job(project, CreateJob.model_validate(body), created, profile)


def _nightly_prices(sim: IntunedSimulation, project: str, now: datetime) -> None:
    created = now - timedelta(days=30)
    categories = ["laptops", "phones", "monitors", "cameras", "audio"]
    job = _create(sim, project, {
        "id": "nightly-prices",
        "payload": [{"apiName": "scrape-category", "parameters": {"category": c}} for c in categories],
        "configuration": {"retry": {"maximumAttempts": 3}, "maxConcurrentRequests": 2, "requestTimeout": 600},
        "schedule": {"calendars": [{"hour": 2, "minute": 0, "comment": "every night at 02:00 UTC"}]},
        "sink": {"type": "s3", "bucket": "shop-prices", "region": "eu-west-1", "prefix": "nightly/",
                 "accessKeyId": "AKIAEMULATOR7EXAMPLE", "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE"},
        "auth_session": {"id": "shop-login-7f3a", "checkAttempts": 3, "createAttempts": 3},
    }, created, Profile(failure_rate=0.08, fan_out=8))
    outcomes = [(37, 3, "COMPLETED"), (40, 0, "SUCCESS"), (38, 2, "COMPLETED"),
                (36, 4, "COMPLETED"), (39, 1, "COMPLETED")]
    night = now.replace(hour=2, minute=0, second=0, microsecond=0)
    for days_ago, (ok, failed, status) in zip(range(len(outcomes), 0, -1), outcomes, strict=True):
        sim.add_finished_run(job, type="SCHEDULED", start=night - timedelta(days=days_ago - 1, seconds=-3),
                             seconds=880 + 7 * ok, successful=ok, failed=failed, status=status)
    job.next_run_time = night + timedelta(days=1)


def _catalog_sync(sim: IntunedSimulation, project: str, now: datetime) -> None:
    created = now - timedelta(minutes=30)
    job = _create(sim, project, {
        "id": "catalog-sync",
        "payload": [{"apiName": "sync-catalog", "parameters": {"page": page}} for page in range(1, 9)],
        "configuration": {"maxConcurrentRequests": 1, "requestTimeout": 300},
        "schedule": {"intervals": [{"every": "3m"}]},
        "sink": {"type": "webhook", "url": "https://hooks.example.com/intuned/catalog",
                 "headers": {"Authorization": "Bearer whsec_demo_5e1f0a", "X-Team": "catalog"}},
    }, created, Profile(failure_rate=0.1, fan_out=3))
    for minutes_ago, ok, failed in ((9, 22, 2), (6, 24, 0), (3, 21, 3)):
        sim.add_finished_run(job, type="SCHEDULED", start=now - timedelta(minutes=minutes_ago), seconds=28,
                             successful=ok, failed=failed, status="COMPLETED" if failed else "SUCCESS")
    job.next_run_time = now


def _weekly_report(sim: IntunedSimulation, project: str, now: datetime) -> None:
    created = now - timedelta(days=60)
    job = _create(sim, project, {
        "id": "weekly-report",
        "payload": [{"apiName": "build-report", "parameters": {"week": "current"}}],
        "configuration": {"requestTimeout": 900},
        "schedule": {"calendars": [{"dayOfWeek": "MONDAY", "hour": 6, "minute": 0}]},
    }, created, Profile(failure_rate=0.0))
    for weeks_ago in (3, 2):
        start = now - timedelta(weeks=weeks_ago, hours=6)
        sim.add_finished_run(job, type="SCHEDULED", start=start, seconds=95, successful=1, failed=0,
                             status="SUCCESS")
    sim.pause(project, job.id, now - timedelta(days=9))
    job.reason = {"type": "paused", "message": "Paused until the new report template ships",
                  "timestamp": "2025-12-23T09:15:00.000Z"}


def _login_check(sim: IntunedSimulation, project: str, now: datetime) -> None:
    created = now - timedelta(days=7)
    job = _create(sim, project, {
        "id": "login-check",
        "payload": [{"apiName": "check-login", "parameters": {"account": name}} for name in ("ops", "qa", "bot")],
        "configuration": {"retry": {"maximumAttempts": 2}, "requestTimeout": 120},
        "schedule": {"intervals": [{"every": "1h"}]},
        "auth_session": {"id": "ops-session-91c2", "checkAttempts": 2, "createAttempts": 1},
    }, created, Profile(failure_rate=0.0))
    sim.add_finished_run(job, type="SCHEDULED", start=now - timedelta(hours=2), seconds=41, successful=3,
                         failed=0, status="SUCCESS")
    sim.add_finished_run(job, type="SCHEDULED", start=now - timedelta(hours=1), seconds=9, successful=0,
                         failed=0, status="FAILURE",
                         reason={"type": "auth-session-invalid-mid-job",
                                 "message": "The auth session expired while the run was in progress",
                                 "doc_url": f"{DOC_REASONS}#auth-session-invalid-mid-job"})
    sim.add_finished_run(job, type="MANUAL", start=now - timedelta(minutes=50), seconds=17, successful=1,
                         failed=0, status="FAILURE", error_code="internal-server-error")
    job.next_run_time = now + timedelta(minutes=10)
