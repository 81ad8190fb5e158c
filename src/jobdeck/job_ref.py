"""A job's identity across backends: the backend's configured name plus its id.

A small immutable object rather than a pydantic model (issue 22): a million jobs hold a
million of them, and each is a dictionary key in the monitor and the list (its hash is
kept). Pydantic models that hold one (``Run.job``) validate and dump it as
``{"backend": …, "id": …}``.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema


class JobRef:
    """``backend/id``; equal refs are the same job."""

    __slots__ = ("backend", "id", "_hash")

    backend: str
    id: str

    def __init__(self, *, backend: str, id: str) -> None:  # noqa: A002 - the contract's word
        if type(backend) is not str or type(id) is not str:
            raise TypeError(f"a job reference is two strings, not {type(backend).__name__}/{type(id).__name__}")
        set_slot = object.__setattr__
        # The backend's name repeats on every one of its jobs: one copy.
        set_slot(self, "backend", sys.intern(backend))
        set_slot(self, "id", id)
        set_slot(self, "_hash", hash((backend, id)))

    @classmethod
    def parse(cls, text: str) -> JobRef:
        """``backend/id`` → JobRef. The id may itself contain slashes."""
        backend, sep, job_id = text.partition("/")
        if not sep or not backend or not job_id:
            raise ValueError(f"a job reference looks like BACKEND/ID, not {text!r}")
        return cls(backend=backend, id=job_id)

    def __str__(self) -> str:
        return f"{self.backend}/{self.id}"

    def __repr__(self) -> str:
        return f"JobRef(backend={self.backend!r}, id={self.id!r})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not JobRef:
            return NotImplemented
        return self._hash == other._hash and self.id == other.id and self.backend == other.backend  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return self._hash

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a JobRef cannot be changed")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a JobRef cannot be changed")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (self.backend, self.id))

    def model_dump(self, mode: str = "python", **_: Any) -> dict[str, str]:
        return {"backend": self.backend, "id": self.id}

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validated, serialization=core_schema.plain_serializer_function_ser_schema(JobRef.model_dump)
        )


def _rebuilt(backend: str, job_id: str) -> JobRef:
    return JobRef(backend=backend, id=job_id)


def _validated(value: Any) -> JobRef:
    """A JobRef from a JobRef, ``{"backend": …, "id": …}`` or ``"backend/id"``."""
    if isinstance(value, JobRef):
        return value
    if isinstance(value, dict) and isinstance(value.get("backend"), str) and isinstance(value.get("id"), str):
        return JobRef(backend=value["backend"], id=value["id"])
    if isinstance(value, str):
        return JobRef.parse(value)
    raise ValueError("a job reference is {backend, id} or BACKEND/ID")
