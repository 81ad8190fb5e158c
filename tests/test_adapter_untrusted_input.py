"""Untrusted ids and text in the four HTTP adapters: an id goes into a URL as one
percent-encoded path segment, whatever it holds, and a lone surrogate in a backend's
answer becomes U+FFFD when it is decoded, so one bad field never fails a poll."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from fakes import InstantClock

from jobdeck.adapters.drp import DrpAdapter, DrpSettings
from jobdeck.adapters.kit.http import HttpAdapter, HttpClient
from jobdeck.adapters.kit.http_body import loads
from jobdeck.adapters.intuned import IntunedAdapter, IntunedSettings
from jobdeck.adapters.istari import IstariAdapter, IstariSettings
from jobdeck.adapters.julep import JulepAdapter, JulepSettings
from jobdeck.clock import FrozenClock
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.drp import DEMO_TOKEN, DrpEmulator
from jobdeck.emulators.intuned import DEFAULT_API_KEY as INTUNED_KEY
from jobdeck.emulators.intuned import DEFAULT_PROJECT, DEFAULT_WORKSPACE_ID, IntunedEmulator
from jobdeck.emulators.istari import DEFAULT_TOKEN as ISTARI_TOKEN
from jobdeck.emulators.istari import IstariEmulator
from jobdeck.emulators.julep import DEFAULT_API_KEY as JULEP_KEY
from jobdeck.emulators.julep import JulepEmulator
from jobdeck.errors import AdapterError

# -- decoding text ---------------------------------------------------------------------------


def test_a_lone_surrogate_escape_becomes_the_replacement_character_in_values_and_keys() -> None:
    assert loads(b'{"name": "build \\ud800 step", "\\udfff": ["\\uDC00"]}') == {
        "name": "build \ufffd step", "\ufffd": ["\ufffd"],
    }


def test_a_surrogate_pair_is_one_character_and_stays() -> None:
    assert loads(b'["\\ud83d\\ude00", "caf\\u00e9"]') == ["\U0001f600", "caf\u00e9"]


def test_raw_surrogate_bytes_and_bytes_that_are_not_utf8_become_the_replacement_character() -> None:
    assert "\ufffd" in loads(b'["a\xed\xa0\x80b"]')[0]
    assert loads(b'["a\xffb"]') == ["a\ufffdb"]


def test_a_stream_event_decoded_from_text_is_cleaned_too() -> None:
    assert loads('{"output": "x\\ud800"}') == {"output": "x\ufffd"}


async def test_an_error_body_an_adapter_reads_itself_has_its_lone_surrogates_replaced() -> None:
    body = b'{"detail": "job is \\ud800 locked"}'
    client = HttpClient(backend="toy", base_url="http://toy.example", clock=FrozenClock(),
                        transport=httpx.MockTransport(lambda request: httpx.Response(409, content=body)))
    response = await client.request("POST", "/jobs/1:restore", expect=(200, 409))
    assert response.json() == {"detail": "job is \ufffd locked"}


# -- the four adapters against their emulators --------------------------------------------------------


class Tampering(httpx.AsyncBaseTransport):
    """Records each request's raw path; puts ``injected`` into the first match of ``where`` in
    every answer; sends ``path_alias[0]`` in a path on as ``path_alias[1]``."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        where: bytes | None = None,
        injected: bytes = b"",
        path_alias: tuple[bytes, bytes] | None = None,
    ) -> None:
        self.inner = inner
        self.where = re.compile(where) if where else None
        self.injected = injected
        self.path_alias = path_alias
        self.paths: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.raw_path)
        if self.path_alias is not None and self.path_alias[0] in request.url.raw_path:
            raw_path = request.url.raw_path.replace(*self.path_alias)
            request = httpx.Request(request.method, request.url.copy_with(raw_path=raw_path),
                                    headers=request.headers, content=await request.aread())
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        if self.where is not None:
            body = self.where.sub(lambda match: match.group(0) + self.injected, body, count=1)
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=body, request=request)


@dataclass
class Kind:
    """How to make one kind's adapter, and where its job names come from."""

    make: Callable[[Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]], HttpAdapter]
    #: Where in an answer a job's name begins (a regex over the raw body).
    name_field: bytes
    #: The id path of a job for the id test, before the id.
    job_path: bytes
    path_alias: tuple[bytes, bytes] | None = None


def drp(wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]) -> HttpAdapter:
    emulator = DrpEmulator(seed=3, speed=0, history=20)
    settings = DrpSettings(name="drp", endpoint="http://drp.test", token_env="T_DRP", push=False)
    return DrpAdapter(settings, clock=InstantClock(emulator.clock), transport=wrap(emulator.transport()))


def intuned(wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]) -> HttpAdapter:
    emulator = IntunedEmulator(seed=11, clock=SimClock(speed=0))
    settings = IntunedSettings(name="shop", workspace_id=DEFAULT_WORKSPACE_ID, project=DEFAULT_PROJECT,
                               api_key_env="T_INTUNED", base_url="http://intuned.test/api/v1/workspace")
    return IntunedAdapter(settings, clock=InstantClock(emulator.clock), transport=wrap(emulator.transport()))


def istari(wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]) -> HttpAdapter:
    emulator = IstariEmulator(seed=7, speed=0)
    settings = IstariSettings(name="istari", registry_url="http://istari.test", token_env="T_ISTARI")
    return IstariAdapter(settings, clock=InstantClock(emulator.clock), transport=wrap(emulator.transport()))


def julep(wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]) -> HttpAdapter:
    emulator = JulepEmulator(seed=5, clock=SimClock(speed=0), spawn_every=None)
    settings = JulepSettings(name="julep", url="http://julep.test", api_key_env="T_JULEP", tasks=emulator.task_ids())
    return JulepAdapter(settings, clock=InstantClock(emulator.clock), transport=wrap(emulator.transport()))


KINDS = {
    "drp": Kind(drp, name_field=rb'"Task":\s*"', job_path=b"/api/v3/jobs/"),
    # An Intuned job is named by its id: the server is taken to know it by its cleaned name too.
    "intuned": Kind(intuned, name_field=rb'"id":\s*"nightly-prices', job_path=b"/jobs/",
                    path_alias=(b"nightly-prices%EF%BF%BD", b"nightly-prices")),
    "istari": Kind(istari, name_field=rb'"model_id":\s*"', job_path=b"/api/v2/jobs/"),
    "julep": Kind(julep, name_field=rb'"document":\s*"', job_path=b"/executions/"),
}


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"T_DRP": DEMO_TOKEN, "T_INTUNED": INTUNED_KEY, "T_ISTARI": ISTARI_TOKEN,
                        "T_JULEP": JULEP_KEY}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
async def opened() -> AsyncIterator[Callable[..., HttpAdapter]]:
    adapters: list[HttpAdapter] = []

    def open_adapter(kind: str, wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]) -> HttpAdapter:
        adapter = KINDS[kind].make(wrap)
        adapters.append(adapter)
        return adapter

    yield open_adapter
    for adapter in adapters:
        await adapter.close()


HOSTILE_ID = "a/b?c#d e\x01\x7f%"


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_an_id_with_separators_and_control_characters_is_asked_for_as_one_encoded_segment(
    kind: str, opened: Callable[..., HttpAdapter]
) -> None:
    tampering: list[Tampering] = []
    adapter = opened(kind, lambda inner: tampering.append(Tampering(inner)) or tampering[0])
    await adapter.open()

    with pytest.raises(AdapterError):  # the backend knows no such job; never an internal error
        await adapter.get_job(HOSTILE_ID)

    wanted = KINDS[kind].job_path + b"a%2Fb%3Fc%23d%20e%01%7F%25"
    assert any(wanted in path for path in tampering[0].paths), tampering[0].paths


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_a_lone_surrogate_in_a_jobs_name_is_replaced_and_the_poll_succeeds(
    kind: str, opened: Callable[..., HttpAdapter]
) -> None:
    spec = KINDS[kind]
    adapter = opened(kind, lambda inner: Tampering(inner, where=spec.name_field, injected=b"\\ud800",
                                                    path_alias=spec.path_alias))
    await adapter.open()

    jobs = await adapter.list_jobs()

    assert any("\ufffd" in job.name for job in jobs), [job.name for job in jobs]
    # Everything about every job can be written out as UTF-8 (the deck, `ls`, the history).
    for job in jobs:
        json.dumps(job.to_public(), ensure_ascii=False).encode()
