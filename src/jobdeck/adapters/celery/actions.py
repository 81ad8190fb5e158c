"""What the deck can do to a Celery task: revoke (Cancel), Terminate, send it again (Retry).

Cancel revokes a queued task; a running one is stopped only by Terminate (revoke with
terminate, SIGTERM to the worker's process), which asks first on its own. Retry sends the
same task with the same arguments again, as a new task (the original stays), with Celery's
own reprs of them (it reads as the task it repeats).

A task sent again carries in Celery itself which task it repeats: jobdeck chooses its id and
sends it as the root of its own workflow (``root_id`` its own id) whose parent is the task it
repeats (``parent_id``). Flower and the workers' events keep both, so the link outlives the
deck (a restart, another deck on the same Celery) and its history keeps it ("retry of"). A
task another task sent never has itself as root: its root is the first of its workflow.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from jobdeck.adapters.actions import ActionSpec
from jobdeck.adapters.celery.convert import short_name
from jobdeck.adapters.celery.reprs import sendable
from jobdeck.adapters.celery.settings import FLOWER
from jobdeck.adapters.celery.wire import CeleryTask, Reprs
from jobdeck.adapters.kit.http_paths import web_page
from jobdeck.model import ActionResult, Capability, Job, JobRef, JobState

if TYPE_CHECKING:
    from jobdeck.adapters.celery.broker import BrokerSource
    from jobdeck.adapters.celery.flower import FlowerSource
    from jobdeck.adapters.celery.settings import CelerySettings
    from jobdeck.adapters.kit.http import HttpClient

#: Raw states in which a task waits in a queue (revoking it is enough to stop it).
QUEUED = frozenset({"PENDING", "RECEIVED", "RETRY"})


def _terminable(job: Job) -> str | None:
    if job.state is JobState.RUNNING:
        return None
    return "only a running task is terminated; Cancel (x) revokes a queued one"


TERMINATE = ActionSpec(
    "terminate",
    key="K",
    verb="Terminate",
    available=_terminable,
    confirm=(
        "Revokes {name} and has its worker kill the process running it with SIGTERM: the task stops where "
        "it is and ends REVOKED (what it did so far is not undone)."
    ),
)


def retry_ids(job_id: str) -> dict[str, str]:
    """The ids a task sent again as a retry of ``job_id`` goes with (see the module's words)."""
    new_id = str(uuid.uuid4())
    return {"task_id": new_id, "root_id": new_id, "parent_id": job_id}


def retried_task(task: CeleryTask) -> str | None:
    """The task ``task`` was sent again from (by a jobdeck), or None."""
    if task.parent_id and task.root_id == task.uuid and task.parent_id != task.uuid:
        return task.parent_id
    return None


class CeleryActions:
    """The actions of CeleryAdapter (a mixin: its sources, its settings and its task reads)."""

    if TYPE_CHECKING:
        name: str
        settings: CelerySettings
        flower: FlowerSource | None
        http: HttpClient
        _retry_of: dict[str, str]
        _revoked: set[str]

        async def _task(self, job_id: str) -> CeleryTask: ...
        def _broker(self) -> BrokerSource: ...
        async def _blocking(self, call: Any, *args: Any, **kwargs: Any) -> Any: ...

    def known_web_page(self, job: Job) -> str | None:
        """The task's page in Flower (none in broker mode: there is no Flower to show it)."""
        if self.settings.mode != FLOWER or self.settings.flower_url is None:
            return None
        return web_page(self.settings.flower_url, "task", job.id)

    def actions(self) -> tuple[ActionSpec, ...]:
        return (*super().actions(), TERMINATE)  # type: ignore[misc]

    def why_not(self, capability: Capability, job: Job) -> str | None:
        if capability is Capability.CANCEL and job.state.is_active and job.raw_state not in QUEUED:
            return "the task is running: revoking lets it finish; Terminate (K) stops it with SIGTERM"
        return super().why_not(capability, job)  # type: ignore[misc]

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        task = job.labels.get("task", "the task")
        if capability is Capability.CANCEL:
            return f"Revokes this {task}: the worker that gets it discards it instead of running it."
        if capability is Capability.RETRY:
            return f"Sends {task} again with the same arguments, as a new task; this one stays as it is."
        return None

    async def cancel(self, job_id: str) -> ActionResult:
        await self._revoke(job_id, terminate=False)
        return ActionResult(ok=True, message=f"revoked task {job_id}")

    async def terminate(self, job_id: str) -> ActionResult:
        await self._revoke(job_id, terminate=True)
        return ActionResult(ok=True, message=f"revoked task {job_id} and sent SIGTERM to the process running it")

    async def retry(self, job_id: str) -> ActionResult:
        # The arguments come fresh from Celery: the job's own labels are redacted and cut.
        task = await self._task(job_id)
        name = short_name(task)
        try:
            args, kwargs = sendable(task.args, "()"), sendable(task.kwargs, "{}")
        except ValueError as exc:
            return ActionResult(ok=False, message=f"cannot send {name} again: its arguments cannot be read back ({exc})")
        if not isinstance(args, list | tuple) or not isinstance(kwargs, dict):
            return ActionResult(ok=False, message=f"cannot send {name} again: its arguments are not a list and a dict")
        # Celery's own reprs go with them: the new task reads as the old one (not its JSON list).
        reprs = Reprs(args=task.args or "()", kwargs=task.kwargs or "{}")
        ids = retry_ids(job_id)
        if self.flower is not None:
            new_id = await self.flower.send(self.http, name, list(args), kwargs, reprs, ids)
        else:
            new_id = await self._blocking(self._broker().send, name, list(args), kwargs, reprs, ids)
        self._retry_of[new_id] = job_id  # until Celery's events say it
        return ActionResult(
            ok=True,
            message=f"sent {name} again with the same arguments as task {new_id} (a retry of {job_id})",
            new_ref=JobRef(backend=self.name, id=new_id),
        )

    async def _revoke(self, job_id: str, *, terminate: bool) -> None:
        if self.flower is not None:
            await self.flower.revoke(self.http, job_id, terminate=terminate)
        else:
            await self._blocking(self._broker().revoke, job_id, terminate=terminate)
        self._revoked.add(job_id)
