"""The kit's pieces for long-lived connections, shared by the adapters that follow something:
the HTTP adapters' stream client (Ray's log follows, Julep's status streams), and the
websockets of Ray's log tail and DRP's events (their URL, their refusals as error kinds)."""

from __future__ import annotations

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import InvalidStatus
from websockets.http11 import Request, Response

from jobdeck.adapters.julep import JulepAdapter, JulepSettings
from jobdeck.adapters.kit import websocket
from jobdeck.errors import AuthFailed, NotFound, Unreachable


def julep() -> JulepAdapter:
    """An adapter no request is sent from: its clients are only made."""
    return JulepAdapter(JulepSettings(name="j", url="https://julep.example/api", timeout=5.0))


async def test_the_stream_client_is_its_own_made_once_with_the_timeout_asked_and_closed_with_the_adapter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JULEP_API_KEY", "k-123456")
    adapter = julep()
    with pytest.raises(Unreachable):
        adapter.stream_client(60.0)  # not open yet
    await adapter.open()
    streams = adapter.stream_client(60.0)
    assert streams is not adapter.http
    assert adapter.stream_client(60.0) is streams
    assert streams.timeout == 60.0 and adapter.http.timeout == 5.0
    await adapter.close()
    with pytest.raises(Unreachable):
        adapter.stream_client(60.0)


def test_a_websocket_url_is_wss_beside_https_and_ws_beside_http() -> None:
    assert websocket.ws_url("https://ray:8265", "/api/jobs/a/logs/tail") == "wss://ray:8265/api/jobs/a/logs/tail"
    assert websocket.ws_url("http://drp:8092/api/v3", "/ws") == "ws://drp:8092/api/v3/ws"


async def test_a_refused_handshake_is_auth_failed_not_found_when_asked_or_unreachable() -> None:
    def refuse(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(int(request.path.strip("/")), "refused\n")

    async def never(connection: ServerConnection) -> None:
        raise AssertionError("no handshake is accepted")

    async with serve(never, "127.0.0.1", 0, process_request=refuse) as server:
        port = server.sockets[0].getsockname()[1]

        async def refusal(status: int, not_found: str | None) -> Exception:
            url = websocket.ws_url(f"http://127.0.0.1:{port}", f"/{status}")
            with pytest.raises(InvalidStatus) as refused:
                async with websocket.connect(url, headers={"Authorization": "Bearer t"}, ssl_ctx=None, max_size=1024):
                    pass
            return websocket.refused(refused.value, "ray", "the log tail", not_found=not_found)

        denied = await refusal(401, "no such job")
        assert isinstance(denied, AuthFailed) and str(denied) == "ray: the log tail refused the credentials (HTTP 401)"
        missing = await refusal(404, "no such job")
        assert isinstance(missing, NotFound) and str(missing) == "ray: the log tail: no such job (HTTP 404)"
        unnamed = await refusal(404, None)
        assert isinstance(unnamed, Unreachable) and str(unnamed) == "ray: the log tail was refused (HTTP 404)"
        failing = await refusal(500, "no such job")
        assert isinstance(failing, Unreachable) and str(failing) == "ray: the log tail was refused (HTTP 500)"


def test_a_broken_websocket_is_unreachable_naming_what_broke() -> None:
    error = websocket.broke(ConnectionResetError(), "drp", "the event websocket")
    assert isinstance(error, Unreachable) and str(error) == "drp: the event websocket broke (ConnectionResetError)"
