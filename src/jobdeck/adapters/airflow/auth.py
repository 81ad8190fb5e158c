"""Airflow 3's tokens: the user and password exchanged at ``/auth/token`` for a JWT, sent as a
Bearer token, renewed shortly before it expires and once when Airflow refuses it."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from jobdeck.adapters.airflow.wire import TokenBody
from jobdeck.adapters.base import read_secret
from jobdeck.adapters.kit.http import HttpClient, validate
from jobdeck.clock import Clock
from jobdeck.errors import AuthFailed

T = TypeVar("T")
#: Seconds before its expiry a token is renewed.
RENEW_BEFORE_S = 60.0
#: A token whose expiry cannot be read is renewed after this long.
UNKNOWN_LIFETIME_S = 600.0


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim (epoch seconds) of a JWT, read without checking its signature."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


class Tokens:
    """The API client with a valid token: ``await tokens.client()``; ``call`` renews once on a 401."""

    def __init__(self, *, backend: str, login: HttpClient, user: str, password_env: str, clock: Clock,
                 new_client: Callable[[dict[str, str]], HttpClient]) -> None:
        self.backend = backend
        self._login = login
        self._user = user
        self._password_env = password_env
        self._clock = clock
        self._new_client = new_client
        self._api: HttpClient | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()
        #: Clients of earlier tokens: requests may still be using them; closed with this.
        self._retired: list[HttpClient] = []
        #: How many tokens were obtained (shown by jobdeck info; tests read it).
        self.obtained = 0

    async def client(self) -> HttpClient:
        if self._api is None or self._clock.now().timestamp() >= self._renew_at:
            async with self._lock:
                if self._api is None or self._clock.now().timestamp() >= self._renew_at:
                    await self._renew()
        assert self._api is not None
        return self._api

    async def call(self, request: Callable[[HttpClient], Awaitable[T]]) -> T:
        """``request`` with the current token; when Airflow refuses it (expired, revoked), once
        more with a new one, then an AuthFailed that names the password's variable."""
        try:
            return await request(await self.client())
        except AuthFailed:
            self._renew_at = 0.0
        try:
            return await request(await self.client())
        except AuthFailed as exc:
            raise AuthFailed(f"{self.backend}: Airflow refused a fresh token for user {self._user!r} "
                             f"(password from ${self._password_env}): {exc}") from None

    def expire(self) -> None:
        """Forget when the token expires: the next call gets a new one."""
        self._renew_at = 0.0

    def spoil(self) -> None:
        """Send a token Airflow will refuse from now on (for tests: as after a restart with a new secret)."""
        if self._api is not None:
            self._retired.append(self._api)
            self._api = self._new_client({"Authorization": "Bearer not-a-token"})

    async def _renew(self) -> None:
        password = read_secret(self._password_env, what="Airflow password")
        body: dict[str, Any] = {"username": self._user, "password": password}
        try:
            response = await self._login.request("POST", "/auth/token", json=body, expect=(200, 201))
        except AuthFailed:
            raise AuthFailed(f"{self.backend}: Airflow refused user {self._user!r} with the password "
                             f"in ${self._password_env}") from None
        token = validate(TokenBody, self._login.decode_json(response), what="the token", backend=self.backend).access_token
        old, self._api = self._api, self._new_client({"Authorization": f"Bearer {token}"})
        self.obtained += 1
        now = self._clock.now().timestamp()
        expiry = token_expiry(token)
        self._renew_at = (expiry - RENEW_BEFORE_S) if expiry is not None else now + UNKNOWN_LIFETIME_S
        if self._renew_at <= now:  # a very short-lived token: used for one call at least
            self._renew_at = now + 1.0
        if old is not None:
            self._retired.append(old)

    async def aclose(self) -> None:
        clients = [*self._retired, *([self._api] if self._api is not None else [])]
        self._api, self._retired = None, []
        for client in clients:
            await client.aclose()
