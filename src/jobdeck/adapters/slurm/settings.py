"""The settings of a ``kind = "slurm"`` backend."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from jobdeck.adapters.kit.http_settings import HttpBackendSettings

#: Everyone's jobs, in ``users``.
EVERYONE = "*"


class SlurmSettings(HttpBackendSettings):
    url_key: ClassVar[str] = "url"

    kind: Literal["slurm"] = "slurm"
    #: "cli": squeue, sacct, scontrol and scancel on PATH (as on a login node; SLURM_CONF
    #: honoured). "rest": slurmrestd at ``url``.
    mode: Literal["cli", "rest"] = "cli"
    #: slurmrestd's base URL (rest only).
    url: str = "http://127.0.0.1:6820"
    #: The user name sent as X-SLURM-USER-NAME (rest only; default: the token's own user).
    user: str | None = None
    #: The environment variable holding the JWT sent as X-SLURM-USER-TOKEN (rest only; never shown).
    token_env: str = Field(default="SLURM_JWT", min_length=1)
    #: Whose jobs: user names; default the current user; ["*"] for everyone.
    users: list[str] = Field(default_factory=list)
    #: Only jobs of these partitions (empty: every partition).
    partitions: list[str] = Field(default_factory=list)
    #: Finished jobs are read from accounting (sacct) this many hours back.
    history_hours: float = Field(default=24.0, ge=0, le=24 * 366)
    #: Seconds between two reads of accounting (sooner when a job leaves the queue).
    accounting_interval: float = Field(default=30.0, gt=0, le=86_400)
    #: Seconds one Slurm command may take (cli).
    command_timeout: float = Field(default=30.0, gt=0, le=600)

    @field_validator("users", "partitions")
    @classmethod
    def _names(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value or any(c in value for c in ",\x00\n") or value.startswith("-"):
                raise ValueError(f"{value!r} is not a Slurm user or partition name")
        return values

    @property
    def everyone(self) -> bool:
        return EVERYONE in self.users
