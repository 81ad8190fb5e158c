"""The jobs the Ray tests submit, through the Jobs REST API itself (not through jobdeck),
and a little TCP relay that stands between jobdeck and the real head so a test can take
the head away and bring it back without restarting Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from tcp_relay import Relay as TcpRelay
from waiting import poll_until

#: Secrets the jobs carry in their runtime_env: none may ever reach jobdeck's model.
SECRET_TOKEN = "tok-sekrit-7f3a9c"
SECRET_PASSWORD = "pw-sekrit-2b8d41"
SECRET_AWS = "aws-sekrit-91c0de"

#: A Python job that starts a Ray driver and runs four tasks, one of which fails (and is caught).
PYTHON_DRIVER = f"python {Path(__file__).with_name('driver.py')}"

#: A job whose log (3 MB, BIG_LOG_LINES numbered lines) is more than one read of it.
BIG_LOG_LINES = 30_000
BIG_LOG = (f"python -c \"import sys; sys.stdout.writelines(f'{{n:06d}} ' + 'x' * 92 + chr(10) "
           f"for n in range({BIG_LOG_LINES}))\"")


def jobs(module_tag: str) -> dict[str, dict[str, Any]]:
    """What each job is submitted with, by role; submission ids carry ``module_tag``."""
    return {
        "ok": {
            "entrypoint": "echo hello from ray; echo second line",
            "submission_id": f"{module_tag}-ok",
            "metadata": {"name": "nightly report", "team": "ml", "stage": "test"},
            "runtime_env": {
                "env_vars": {"API_TOKEN": SECRET_TOKEN, "DB_PASSWORD": SECRET_PASSWORD,
                             "AWS_ACCESS_KEY_ID": SECRET_AWS, "PLAIN_SETTING": "visible-value"},
            },
        },
        "fail": {
            "entrypoint": "echo about to fail; exit 3",
            "submission_id": f"{module_tag}-fail",
            "metadata": {"team": "ml"},
        },
        "python": {"entrypoint": PYTHON_DRIVER, "submission_id": f"{module_tag}-py"},
        "long": {"entrypoint": "echo long job; sleep 600", "submission_id": f"{module_tag}-long"},
        "doomed": {"entrypoint": "echo short-lived", "submission_id": f"{module_tag}-doomed"},
        # More CPUs than the head has: Ray keeps it PENDING (for 15 minutes, then fails it).
        "pending": {"entrypoint": "echo never", "submission_id": f"{module_tag}-pending", "entrypoint_num_cpus": 3},
        "big": {"entrypoint": BIG_LOG, "submission_id": f"{module_tag}-big"},
    }


def submit(client: httpx.Client, request: dict[str, Any]) -> str:
    response = client.post("/api/jobs/", json=request)
    response.raise_for_status()
    return str(response.json()["submission_id"])


def status(client: httpx.Client, submission_id: str) -> str:
    response = client.get(f"/api/jobs/{submission_id}")
    response.raise_for_status()
    return str(response.json()["status"])


def wait_for(client: httpx.Client, submission_id: str, states: set[str], timeout: float = 120.0) -> str:
    """Polls Ray until the job is in one of ``states``; its state then (AssertionError on time out)."""
    return poll_until(lambda: status(client, submission_id), lambda now: now in states, timeout=timeout, every=0.3,
                      failure=lambda now: f"{submission_id} is still {now} after {timeout:.0f} s (waiting for {states})")


def Relay(target_port: int) -> TcpRelay:
    """A TCP relay to the head's dashboard that also keeps what jobdeck sent to the head in ``upstream``."""
    return TcpRelay(target_port, record_upstream=True)

