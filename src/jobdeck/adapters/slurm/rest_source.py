"""The "rest" mode: Slurm read and driven through slurmrestd.

The OpenAPI version is discovered once (``/openapi/v3``, else ``/openapi``): the
highest ``/slurm/vX/jobs`` the server lists, and its ``/slurmdb/vX/jobs``. The
queue is asked with ``update_time`` after the first answer: slurmrestd says 304
when nothing changed, and the last answer stands (a quiet cluster sends no jobs).

Credentials: X-SLURM-USER-TOKEN from ``token_env`` (and X-SLURM-USER-NAME from
``user``). slurmrestd 22.05 answers a wrong or expired token not with 401 but
with a 500 "Unspecified error", as for a controller that is down; the token's
own expiry (a JWT says it) is read here, so an expired token is an auth error
naming ``token_env``, and a 500 says both what Slurm said and that the token
may be the cause.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import TYPE_CHECKING, Any, Protocol

from jobdeck.adapters.kit.http_paths import segment
from jobdeck.adapters.slurm.fastjson import QueueParser
from jobdeck.adapters.slurm.wire import Parsed, parse_answer
from jobdeck.errors import AuthFailed, BadResponse, NotFound, Unreachable, Unsupported

if TYPE_CHECKING:
    from jobdeck.adapters.kit.http_client import HttpClient
    from jobdeck.adapters.slurm.settings import SlurmSettings


class RestHost(Protocol):
    """What the REST source needs of its adapter (SlurmAdapter, which imports this module)."""

    name: str
    settings: SlurmSettings

    @property
    def http(self) -> HttpClient: ...

_VERSION = re.compile(r"^/slurm/(v\d+\.\d+\.\d+)/jobs/?$")
#: Slurm's error number for an unknown job id.
INVALID_JOB_ID = 2017
NO_REQUEUE = "slurmrestd has no requeue (mode \"cli\" can: scontrol requeue)"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.lstrip("v").split("."))


class RestSource:
    def __init__(self, adapter: RestHost) -> None:
        self.adapter = adapter
        self.backend = adapter.name
        self.version: str | None = None
        self.db_version: str | None = None
        self._parser = QueueParser()
        self._last: Parsed | None = None
        self._asked_at: int | None = None

    def users(self) -> list[str]:
        settings = self.adapter.settings
        return settings.users or [settings.user or _token_user(self._token()) or ""]

    def _token(self) -> str:
        from jobdeck.adapters.base import read_secret

        return read_secret(self.adapter.settings.token_env, what="Slurm JWT")

    async def discover(self) -> str:
        if self.version is None:
            http = self.adapter.http
            response = await self._get("/openapi/v3", expect=(200, 404))
            if response.status_code == 404:
                response = await self._get("/openapi")
            spec = http.decode_json(response)
            paths = spec.get("paths", {}) if isinstance(spec, dict) else {}
            versions = sorted({m.group(1) for p in paths if (m := _VERSION.match(p))}, key=_version_key)
            if not versions:
                raise BadResponse(f"{self.backend}: slurmrestd lists no /slurm/vX/jobs in its OpenAPI description")
            self.version = versions[-1]
            db = sorted({p.split("/")[2] for p in paths if p.startswith("/slurmdb/") and p.endswith("/jobs")},
                        key=lambda v: _version_key(v) if re.match(r"^v\d+\.\d+\.\d+$", v) else (0,))
            self.db_version = db[-1] if db else None
        return self.version

    async def version_text(self) -> str:
        return f"slurmrestd, OpenAPI {await self.discover()}"

    async def _get(self, path: str, params: dict[str, Any] | None = None, expect: tuple[int, ...] = (200,)) -> Any:
        self._check_expiry()
        response = await self.adapter.http.request("GET", path, params=params, expect=(*expect, 401, 403, 500))
        self._check_status(response.status_code, response, path)
        if response.status_code == 304:
            return None
        return response

    def _check_expiry(self) -> None:
        token = self._token()
        expires = _token_claim(token, "exp")
        if isinstance(expires, int | float) and expires < time.time():
            env = self.adapter.settings.token_env
            raise AuthFailed(f"{self.backend}: the Slurm token in ${env} expired at "
                             f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(expires))}; "
                             "get a new one (scontrol token) and set it")

    def _check_status(self, status: int, response: Any, path: str) -> None:
        env = self.adapter.settings.token_env
        if status in (401, 403):
            raise AuthFailed(f"{self.backend}: slurmrestd refused the token in ${env} (HTTP {status}) for GET {path}")
        if status == 500:
            errors = _errors(response)
            if any(number == INVALID_JOB_ID for number, _ in errors):
                raise NotFound(f"{self.backend}: {'; '.join(text for _, text in errors)}")
            said = "; ".join(text for _, text in errors) or "server error"
            raise Unreachable(f"{self.backend}: slurmrestd: {said} (HTTP 500: slurmctld down, or the token in "
                              f"${env} wrong or expired)")

    async def queue(self) -> Parsed:
        version = await self.discover()
        params = {"update_time": self._asked_at} if self._last is not None and self._asked_at else None
        asked = int(time.time()) - 1
        response = await self._get(f"/slurm/{version}/jobs", params, expect=(200, 304))
        if response is None and self._last is not None:
            return self._last
        try:
            parsed = self._parser.parse(response.content)
        except ValueError as exc:
            raise BadResponse(f"{self.backend}: GET /slurm/{version}/jobs: not JSON ({str(exc)[:100]})") from None
        self._last, self._asked_at = parsed, asked
        return parsed

    def forget(self) -> None:
        self._last = None

    async def accounting(self, since: float) -> Parsed:
        await self.discover()
        if self.db_version is None:
            from jobdeck.adapters.slurm.cli_source import AccountingOff

            raise AccountingOff("slurmrestd serves no /slurmdb")
        start = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(since))
        params: dict[str, Any] = {"start_time": start}
        if self.adapter.settings.partitions:
            params["partition"] = ",".join(self.adapter.settings.partitions)
        response = await self._get(f"/slurmdb/{self.db_version}/jobs", params)
        return parse_answer(self.adapter.http.decode_json(response), accounting=True)

    async def show_job(self, slurm_id: str) -> dict[str, str]:
        version = await self.discover()
        response = await self._get(f"/slurm/{version}/job/{segment(slurm_id)}")
        # Its paths are patterns (expanded from the job's record instead): the state is what counts.
        for record in parse_answer(self.adapter.http.decode_json(response), accounting=False).records:
            if record.task_key == slurm_id or str(record.job_id) == slurm_id:
                return {"JobState": record.state or "", "Reason": record.reason or ""}
        return {}

    async def _change(self, method: str, slurm_id: str, body: Any = None) -> None:
        version = await self.discover()
        self._check_expiry()
        path = f"/slurm/{version}/job/{segment(slurm_id)}"
        response = await self.adapter.http.request(method, path, json=body, expect=(200, 401, 403, 500))
        self._check_status(response.status_code, response, path)
        self._last = None  # the next poll reads the whole queue

    async def cancel(self, slurm_id: str) -> None:
        await self._change("DELETE", slurm_id)

    async def hold(self, slurm_id: str) -> None:
        await self._change("POST", slurm_id, {"hold": True})

    async def release(self, slurm_id: str) -> None:
        await self._change("POST", slurm_id, {"hold": False})

    async def resume(self, slurm_id: str) -> None:
        await self._change("POST", slurm_id, {"hold": False})

    async def requeue(self, slurm_ids: list[str]) -> None:
        raise Unsupported(f"{self.backend}: {NO_REQUEUE}")

    async def start_now(self, slurm_ids: list[str]) -> None:
        return None


def _errors(response: Any) -> list[tuple[int | None, str]]:
    try:
        body = json.loads(response.content)
    except (ValueError, AttributeError):
        return []
    found = []
    for error in body.get("errors") or () if isinstance(body, dict) else ():
        if isinstance(error, dict):
            words = " ".join(str(error.get(key) or "") for key in ("description", "error")).strip()
            number = error.get("error_number")
            found.append((number if isinstance(number, int) else None, words[:200]))
    return found


def _token_claim(token: str, claim: str) -> Any:
    """A claim of a JWT's payload, read without checking its signature (slurmctld does that)."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return data.get(claim) if isinstance(data, dict) else None


def _token_user(token: str) -> str | None:
    user = _token_claim(token, "sun")
    return user if isinstance(user, str) else None



