"""Who may do what with a job: ``GET``/``PATCH /api/v2/jobs/{job_id}/access``.

``AccessRelationship`` is ``{subject_type: "user", subject_id, relation,
resource_type: "job", resource_id, subject_info?}``. A job starts with one: its
creator as ``owner``. ``PATCH`` with ``patch_op=set`` (the default) gives the
subject that relation (replacing the one it had); ``patch_op=delete`` takes the
subject's relation away. Both answer the job's whole list, as the vendor
client's ``List[AccessRelationship]`` expects. (Both calls are deprecated in
istari-digital-client 13.x in favour of ``/api/v2/access``; the contract lists
them, so the emulator serves them.)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from jobdeck.emulators.istari.models import Wire
from jobdeck.emulators.istari.tenant import CALLER_ID, OTHER_USER_ID

#: What the tenant knows of its users (``subject_info``).
USERS = {
    CALLER_ID: {"username": "ada", "email": "ada@example.com", "cross_tenant_user": False},
    OTHER_USER_ID: {"username": "grace", "email": "grace@example.com", "cross_tenant_user": False},
}


class AccessRelation(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    OWNER = "owner"
    ADMINISTRATOR = "administrator"
    EXECUTOR = "executor"
    UPSTREAM_REMOTE_OWNER = "upstreamremoteowner"
    UPSTREAM_REMOTE_EDIT_OWNER = "upstreamremoteeditowner"


class PatchOp(StrEnum):
    SET = "set"
    DELETE = "delete"


class SubjectInfo(Wire):
    username: str | None = None
    email: str | None = None
    cross_tenant_user: bool | None = None


class AccessRelationship(Wire):
    subject_type: Literal["user"]  # the only subject type the public API knows
    subject_id: str
    relation: AccessRelation
    resource_type: str
    resource_id: str
    subject_info: SubjectInfo | None = None


def owner_of(job_id: str, user_id: str) -> AccessRelationship:
    return relationship(job_id, user_id, AccessRelation.OWNER)


def relationship(job_id: str, user_id: str, relation: AccessRelation) -> AccessRelationship:
    info = USERS.get(user_id)
    return AccessRelationship(subject_type="user", subject_id=user_id, relation=relation, resource_type="job",
                              resource_id=job_id, subject_info=SubjectInfo(**info) if info else None)


def patched(current: list[AccessRelationship], job_id: str, change: AccessRelationship,
            op: PatchOp) -> list[AccessRelationship]:
    """The job's relationships after ``op`` with ``change`` (its subject keeps at most one relation)."""
    others = [r for r in current if (r.subject_type, r.subject_id) != (change.subject_type, change.subject_id)]
    if op is PatchOp.DELETE:
        return others
    return [*others, relationship(job_id, change.subject_id, change.relation)]
