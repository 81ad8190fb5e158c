"""A job's identity across backends: the backend's configured name plus its id.

A small immutable pair rather than a pydantic model (issue 22): a million jobs hold a
million of them, and each is a dictionary key in the monitor and the list. Pydantic models that hold one (``Run.job``) validate and dump it as
``{"backend": …, "id": …}``.
"""

from __future__ import annotations

import sys
from collections import namedtuple
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema


class JobRef(namedtuple("_Pair", ("backend", "id"))):
    """``backend/id``; equal refs are the same job.

    A pair underneath: hashed, compared and read in C (a million are dictionary keys).
    """

    __slots__ = ()

    backend: str
    id: str

    def __new__(cls, *, backend: str, id: str) -> JobRef:  # noqa: A002 - the contract's word
        if type(backend) is not str or type(id) is not str:
            if not (isinstance(backend, str) and isinstance(id, str)):
                raise TypeError(f"a job reference is two strings, not {type(backend).__name__}/{type(id).__name__}")
            # A kind of string (a StrEnum's member …): its text, as the pydantic model took it.
            backend, id = str.__str__(backend), str.__str__(id)  # noqa: A001
        # The backend's name repeats on every one of its jobs: one copy.
        return super().__new__(cls, sys.intern(backend), id)

    @classmethod
    def parse(cls, text: str) -> JobRef:
        """``backend/id`` → JobRef. The id may itself contain slashes."""
        backend, sep, job_id = text.partition("/")
        if not sep or not backend or not job_id:
            raise ValueError(f"a job reference looks like BACKEND/ID, not {text!r}")
        return cls(backend=backend, id=job_id)

    def __str__(self) -> str:
        return f"{self[0]}/{self[1]}"

    def __repr__(self) -> str:
        return f"JobRef(backend={self[0]!r}, id={self[1]!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (self[0], self[1]))

    def model_dump(self, mode: str = "python", **_: Any) -> dict[str, str]:
        return {"backend": self[0], "id": self[1]}

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
