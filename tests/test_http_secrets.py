"""Secrets never reach an error message: a backend echoing the request's credentials in its
error body gets them scrubbed out, in HttpClient's errors and in `ls`, `ls --json` and `info`."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_helpers import invoke
from scripted_server import Asked, Reply, serving

from jobdeck.adapters.kit.http import HttpClient
from jobdeck.clock import FrozenClock
from jobdeck.errors import AuthFailed
from jobdeck.redact import REDACTED

TOKEN = "tok-3c9f/a7+b2e1d4"
USER, PASSWORD = "ops-robot", "pa55/word-x9"
TASK = "0190f3a2-6c1e-7b3d-9a42-5e8f1c2d3b4a"


def echoing(status: int = 401, header: str = "Authorization") -> Callable[[httpx.Request], httpx.Response]:
    """A server that quotes the request's credentials header back in its error body."""

    def answer(request: httpx.Request) -> httpx.Response:
        said = f"bad credentials: {request.headers.get(header)}"
        return httpx.Response(status, json={"message": said, "detail": said})

    return answer


def client_of(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> HttpClient:
    return HttpClient(backend="toy", base_url="http://toy.example", clock=FrozenClock(),
                      transport=httpx.MockTransport(handler), **kwargs)


async def test_a_token_echoed_in_a_401_body_is_scrubbed_from_the_error() -> None:
    client = client_of(echoing(), headers={"Authorization": f"Bearer {TOKEN}"})
    with pytest.raises(AuthFailed) as raised:
        await client.get_json("/jobs")
    assert str(raised.value) == (
        f"toy: GET /jobs: the credentials were rejected (HTTP 401): bad credentials: {REDACTED}"
    )


async def test_basic_credentials_and_the_configured_password_are_scrubbed_however_they_are_echoed() -> None:
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def answer(request: httpx.Request) -> httpx.Response:
        # The header, the password as JSON escapes "/" and the credential alone, all in one message.
        body = '{"message": "header %s; password %s; credential %s"}' % (
            request.headers["Authorization"], PASSWORD.replace("/", "\\/"), basic)
        return httpx.Response(403, content=body.encode())

    client = client_of(answer, headers={"Authorization": f"Basic {basic}"}, secrets=[PASSWORD])
    with pytest.raises(AuthFailed) as raised:
        await client.get_json("/jobs")
    message = str(raised.value)
    assert basic not in message and PASSWORD not in message and "pa55" not in message
    assert message.endswith(f"header {REDACTED}; password {REDACTED}; credential {REDACTED}")


async def test_an_error_body_an_adapter_reads_itself_holds_no_secret() -> None:
    client = client_of(echoing(409, header="X-Auth-Key"), headers={"X-Auth-Key": TOKEN})
    response = await client.request("DELETE", "/jobs/1", expect=(200, 409))
    assert TOKEN not in response.text
    assert response.json()["message"] == f"bad credentials: {REDACTED}"


# -- through the command line, for every HTTP backend --------------------------------------------------

ENV = {"JOBDECK_TEST_SECRET": TOKEN, "JOBDECK_TEST_USER": USER, "JOBDECK_TEST_PASSWORD": PASSWORD}

#: Each kind: its config (``{url}`` the server), and its error body quoting what it was sent.
KINDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "drp": ('endpoint = "{url}"\nuser_env = "JOBDECK_TEST_USER"\npassword_env = "JOBDECK_TEST_PASSWORD"\n'
            "push = false\n",
            lambda said: {"Model": "", "Key": "", "Type": "AUTH", "Messages": [said], "Code": 401}),
    "intuned": ('base_url = "{url}"\nworkspace_id = "w"\nproject = "p"\napi_key_env = "JOBDECK_TEST_SECRET"\n',
                lambda said: {"message": said, "code": "UNAUTHORIZED"}),
    "istari": ('registry_url = "{url}"\ntoken_env = "JOBDECK_TEST_SECRET"\n',
               lambda said: {"detail": said}),
    "julep": (f'url = "{{url}}"\napi_key_env = "JOBDECK_TEST_SECRET"\ntasks = ["{TASK}"]\n',
              lambda said: {"error": {"message": said, "code": "UNAUTHORIZED"}}),
}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def echo_credentials(error_body: Callable[[str], Any]) -> Callable[[Asked], Reply]:
    def answer(asked: Asked) -> Reply:
        sent = asked.headers.get("authorization") or asked.headers.get("x-api-key") or ""
        scheme, _, credential = sent.partition(" ")
        token = base64.b64decode(credential).decode() if scheme == "Basic" else credential or sent
        said = f"rejected credentials {sent!r} (that is {token})"
        return Reply(status=401, body=json.dumps(error_body(said)).encode())

    return answer


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_no_command_shows_a_secret_a_backend_echoes_in_its_error(kind: str, sandbox: Path) -> None:
    settings, error_body = KINDS[kind]
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    with serving(echo_credentials(error_body)) as served:
        config = sandbox / "config.toml"
        config.write_text(f'[[backends]]\nkind = "{kind}"\nname = "b"\n' + settings.format(url=served.url))
        results = [invoke("--config", str(config), *args) for args in (["ls"], ["ls", "--json"], ["info"])]
    assert served.asked, "the backend was asked"
    for result in results:
        shown = result.stdout + result.stderr
        assert "credentials were rejected" in shown, shown
        assert REDACTED in shown  # the echo reached the message, scrubbed
        for secret in (TOKEN, PASSWORD, basic, "tok-3c9f", "pa55"):
            assert secret not in shown, f"{secret!r} shown by {kind}: {shown}"
