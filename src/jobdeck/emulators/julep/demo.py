"""``jobdeck demo``: a Julep emulator with two tasks and a stream of executions, some failing."""

from __future__ import annotations

from typing import Any

import httpx

from jobdeck.emulators.core import DemoSpec
from jobdeck.emulators.julep.app import DEFAULT_API_KEY, JulepEmulator

SEED = 11
#: A job id the demo server does not know: the deck shows it as "not found on the server".
MISSING_JOB = "0190f3a2-6c1e-7b3d-9a42-5e8f1c2d3b4a"


def _server_state(url: str) -> dict[str, Any]:
    """Task and job ids from the running emulator (right for any seed and start time);
    those of a fresh emulator with the demo seed when it cannot be asked."""
    try:
        response = httpx.get(f"{url}/_emulator/state", timeout=2.0)
        state = response.json()
        if response.status_code == 200 and state.get("tasks"):
            return state
    except (httpx.HTTPError, ValueError):
        pass
    return JulepEmulator(seed=SEED, speed=0, spawn_every=None).summary()


def _settings(url: str) -> dict[str, Any]:
    state = _server_state(url)
    return {
        "kind": "julep",
        "name": "julep",
        "url": url,
        "api_key_env": "JOBDECK_DEMO_JULEP_KEY",
        "auth_header": "Authorization",
        "jobs": [*state["showcase_jobs"], MISSING_JOB],
        "tasks": state["tasks"],
        "task_names": state["task_names"],
        "interval": 2.0,
    }


DEMO = DemoSpec(
    kind="julep",
    seed=SEED,
    settings=_settings,
    env={"JOBDECK_DEMO_JULEP_KEY": DEFAULT_API_KEY},
    credentials=f"Authorization: Bearer {DEFAULT_API_KEY} (or X-Auth-Key: {DEFAULT_API_KEY})",
)
