"""A job's actions (``GET /jobs/{uuid}/actions``): its task's templates rendered for its machine.

``models.JobAction`` is ``{Name, Path, Content, Meta}``: a template with a
``Path`` is a file the runner writes there; one without is a script it runs.
``Meta["OS"]`` lists the OSes an action is for (``any`` for all); with
``?os=<os>`` only the actions valid for that OS come back, and an action with
no ``OS`` is valid for every one (v4 ``models/job.go``: ``ValidForOS``,
``FilterOS``).
"""

from __future__ import annotations

from typing import Any

from jobdeck.emulators.drp.models import Job


def render_actions(job: Job, machine_name: str, os: str = "") -> list[dict[str, Any]]:
    """The rendered ``JobAction`` list of ``job`` on ``machine_name``, filtered for ``os``."""
    actions = [
        {
            "Name": f"{job.Task}.sh",
            "Path": "",
            "Content": (
                "#!/usr/bin/env bash\n"
                f"# {job.Task} (stage {job.Stage or '-'}, workflow {job.Workflow or '-'}) on {machine_name}\n"
                "set -e\n"
                f"echo 'Starting task {job.Task} on {machine_name}'\n"
                "drpcli machines update \"$RS_UUID\" '{\"Meta\":{\"last-task\":\"" + job.Task + "\"}}' >/dev/null\n"
            ),
            "Meta": {"OS": "linux"},
        },
        {
            "Name": f"{job.Task}-settings.json",
            "Path": f"/etc/drp/{job.Task}.json",
            "Content": f'{{"task": "{job.Task}", "machine": "{machine_name}", "index": {job.CurrentIndex}}}\n',
            "Meta": {"OS": "any"},
        },
    ]
    return [action for action in actions if _valid_for(action, os)]


def _valid_for(action: dict[str, Any], os: str) -> bool:
    oses = action["Meta"].get("OS")
    if oses is None or not os:
        return True
    return any(name.strip() in ("any", os) for name in oses.split(","))
