"""DRP authentication as the contract describes it.

``Authorization: Basic base64(user:pass)`` or ``Bearer <token>``, or the
``?token=`` fallback (a value with ``:`` is Basic ``user:pass``, otherwise a
Bearer token; v3 code). Missing or malformed credentials: 401, empty body,
``WWW-Authenticate: dr-provision``. Wrong password or unknown token: 403,
empty body.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.responses import Response

#: The default install's user (contract: "The default install uses rocketskates:r0cketsk8ts").
DEFAULT_USERS = {"rocketskates": "r0cketsk8ts"}


def unauthorized() -> Response:
    return Response(status_code=401, headers={"WWW-Authenticate": "dr-provision"})


def forbidden() -> Response:
    return Response(status_code=403)


@dataclass
class Auth:
    users: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))
    #: token → user name. Tokens are issued by ``GET /users/{name}/token``.
    tokens: dict[str, str] = field(default_factory=dict)

    def issue_token(self, user: str, serial: int) -> str:
        body = base64.urlsafe_b64encode(f'{{"user":"{user}","n":{serial}}}'.encode()).decode().rstrip("=")
        token = f"eyJhbGciOiJIUzI1NiJ9.{body}.drp-emulator"
        self.tokens[token] = user
        return token

    def principal(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | Response:
        """``user:<name>`` for good credentials, else the 401/403 response to send."""
        header = headers.get("authorization")
        if header is None and "token" in query:
            value = query["token"]
            header = f"Basic {base64.b64encode(value.encode()).decode()}" if ":" in value else f"Bearer {value}"
        if not header:
            return unauthorized()
        scheme, _, credentials = header.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "basic" and credentials:
            try:
                user, sep, password = base64.b64decode(credentials, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return unauthorized()
            if not sep:
                return unauthorized()
            if self.users.get(user) != password:
                return forbidden()
            return f"user:{user}"
        if scheme.lower() == "bearer" and credentials:
            user_name = self.tokens.get(credentials)
            return forbidden() if user_name is None else f"user:{user_name}"
        return unauthorized()
