"""The settings every backend has (``BackendSettings``, subclassed by each kind with its
own fields), and how an adapter reads a secret those settings name (``read_secret``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jobdeck.errors import AuthFailed


class BackendSettings(BaseModel):
    """Settings every backend has. Adapters subclass this with their own fields.

    Unknown keys are an error, so a typo in the config file is reported
    instead of silently ignored. Secrets are never values here: a setting
    names the environment variable that holds the secret (``*_env``).
    A backend without a ``name`` is named after its ``kind``.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="unique name, used in job references; default: the kind")
    interval: float = Field(default=2.0, gt=0, le=3600, description="seconds between polls")
    enabled: bool = True
    #: A job's page in the backend's own web UI, ``{id}`` standing for the job's id (``o`` in
    #: the deck): for a backend whose UI jobdeck does not know (DRP's portal, your own), or to
    #: point at another UI than the one it knows.
    web_url: str | None = Field(default=None, max_length=2000,
                                description="a job's page in the backend's web UI; {id} is the job's id")

    @field_validator("web_url")
    @classmethod
    def _a_page_with_the_job_in_it(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("a web page's URL starts with http:// or https://")
        if "{id}" not in value or "{" in value.replace("{id}", "") or "}" in value.replace("{id}", ""):
            raise ValueError("write {id} where the job's id goes, and no other braces")
        return value

    @model_validator(mode="before")
    @classmethod
    def _name_defaults_to_kind(cls, data: Any) -> Any:
        # Before validation, so the default name meets the same pattern as a written one.
        if isinstance(data, Mapping) and "name" not in data:
            kind = data.get("kind", cls.model_fields["kind"].default)
            if isinstance(kind, str):
                return {**data, "name": kind}
        return data

    @field_validator("*")
    @classmethod
    def _paths_are_usable(cls, value: Any) -> Any:
        # Every path setting of every kind: "~" is the home folder, as in a shell (so `jobdeck run`
        # and the deck agree on a spool), and a NUL byte, which no system call takes, is refused here
        # rather than failing later as an internal error.
        if not isinstance(value, PurePath):
            return value
        if "\x00" in str(value):
            raise ValueError("a path cannot contain a NUL character")
        try:
            return value.expanduser()
        except RuntimeError as exc:  # "~someone" without such a user, or no home folder at all
            raise ValueError(f"cannot expand ~ in {str(value)!r}: {exc}") from None


def read_secret(env_name: str | None, env: Mapping[str, str] | None = None, *, what: str) -> str:
    """The secret held in environment variable ``env_name``; AuthFailed if it is unset."""
    source = os.environ if env is None else env
    if not env_name:
        raise AuthFailed(f"no environment variable is configured for the {what}")
    value = source.get(env_name)
    if not value:
        raise AuthFailed(f"environment variable {env_name} (the {what}) is not set")
    return value
