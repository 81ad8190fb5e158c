"""docs/adapters.md works as written: its ``python`` blocks, run together as one
module, are a complete HTTP adapter and a complete adapter over a blocking library;
registered by kind, configured from a file, they do what the page says."""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from jobdeck.adapters import registry
from jobdeck.config import settings_from_toml
from jobdeck.errors import AuthFailed, ConfigError, Unreachable, Unsupported
from jobdeck.model import Capability, JobState

DOC = Path(__file__).resolve().parents[1] / "docs" / "adapters.md"
TOKEN = "t0ken-for-the-toy"

Handler = Callable[[httpx.Request], httpx.Response]


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The doc's python blocks as one module, imported; its kinds registered."""
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 2
    path = tmp_path_factory.mktemp("doc") / "adapters_doc_example.py"
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("adapters_doc_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' annotations through it
    try:
        spec.loader.exec_module(module)
        registry.register("toy", module.ToyAdapter)
        registry.register("queue", module.QueueAdapter)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOY_TOKEN", TOKEN)


def toy_service(jobs: list[dict[str, object]], seen: list[httpx.Request]) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"detail": "bad token"})
        if request.method == "GET" and request.url.path == "/v1/jobs":
            return httpx.Response(200, json=jobs)
        if request.method == "POST" and request.url.path.endswith("/cancel"):
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(404)

    return answer


def toy_from_config(example: ModuleType, handler: Handler, extra: str = ""):
    [settings] = settings_from_toml(
        f'[[backends]]\nkind = "toy"\nname = "toy-prod"\nurl = "https://toy.example/v1/"\n{extra}'
    ).backends
    adapter_class = registry.adapter_class("toy")
    return adapter_class(settings, transport=httpx.MockTransport(handler))


async def test_the_toy_adapter_lists_the_services_jobs_in_the_common_model(example: ModuleType, token: None) -> None:
    jobs = [
        {"id": "1", "name": "nightly", "status": "running", "token": "job-secret", "owner": "ana"},
        {"id": "2", "status": "exploded"},
    ]
    adapter = toy_from_config(example, toy_service(jobs, seen := []))
    await adapter.open()
    try:
        nightly, odd = await adapter.list_jobs()
    finally:
        await adapter.close()

    assert (nightly.ref.backend, nightly.id, nightly.name, nightly.state) == ("toy-prod", "1", "nightly", JobState.RUNNING)
    assert nightly.detail["owner"] == "ana" and "job-secret" not in json.dumps(nightly.detail)
    assert (odd.name, odd.state, odd.raw_state) == ("2", JobState.UNKNOWN, "exploded")
    assert [str(request.url) for request in seen] == ["https://toy.example/v1/jobs"]


async def test_the_toy_adapter_cancels_a_job_by_its_id_as_one_path_segment(example: ModuleType, token: None) -> None:
    adapter = toy_from_config(example, toy_service([], seen := []))
    await adapter.open()
    try:
        result = await adapter.cancel("a/b")
    finally:
        await adapter.close()

    assert result.ok and seen[-1].url.raw_path == b"/v1/jobs/a%2Fb/cancel"


async def test_the_toy_adapters_credentials_fail_as_auth_failed(example: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = toy_from_config(example, toy_service([], []))
    with pytest.raises(AuthFailed, match="TOY_TOKEN"):
        await adapter.open()

    monkeypatch.setenv("TOY_TOKEN", "wrong")
    await adapter.open()
    try:
        with pytest.raises(AuthFailed, match=r"^toy-prod: .*401"):
            await adapter.list_jobs()
    finally:
        await adapter.close()


async def test_the_toy_adapter_says_why_it_cannot_do_what_it_does_not_declare(example: ModuleType, token: None) -> None:
    adapter = toy_from_config(example, toy_service([], []))

    assert adapter.supports(Capability.CANCEL) and not adapter.supports(Capability.LOG)
    with pytest.raises(Unsupported, match="the toy service keeps no logs"):
        await adapter.read_log("1")
    with pytest.raises(Unsupported, match="submit it again"):
        await adapter.retry("1")


def test_the_toy_adapter_gets_the_kits_settings_and_tls_warning(example: ModuleType) -> None:
    adapter = toy_from_config(example, toy_service([], []), extra="verify = false\ndeadline = 5\n")

    assert adapter.describe() == {
        "kind": "toy",
        "url": "https://toy.example/v1",
        "token from": "$TOY_TOKEN",
        "tls": "verification OFF (verify = false)",
        "warning": "TLS verification off",
    }
    assert adapter.settings.deadline == 5
    with pytest.raises(ConfigError, match=r"backends\[0\]\.url: url must start with https://"):
        settings_from_toml('[[backends]]\nkind = "toy"\nurl = "toy.example"\n')
    with pytest.raises(ConfigError, match=r"backends\[0\]\.tokn_env: unknown key"):
        settings_from_toml('[[backends]]\nkind = "toy"\nurl = "https://toy.example"\ntokn_env = "X"\n')


async def test_the_queue_adapter_reads_its_blocking_library_off_the_event_loop(example: ModuleType, tmp_path: Path) -> None:
    database = tmp_path / "queue.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE jobs (id TEXT, name TEXT, status TEXT)")
        db.executemany("INSERT INTO jobs VALUES (?, ?, ?)", [("1", "resize", "done"), ("2", "encode", "queued")])
    db.close()
    [settings] = settings_from_toml(f'[[backends]]\nkind = "queue"\ndatabase = "{database}"\n').backends
    adapter = registry.adapter_class("queue")(settings)

    jobs = await adapter.list_jobs()

    assert [(job.id, job.name, job.state) for job in jobs] == [
        ("1", "resize", JobState.SUCCEEDED),
        ("2", "encode", JobState.PENDING),
    ]


async def test_the_queue_adapter_maps_the_librarys_errors(example: ModuleType, tmp_path: Path) -> None:
    adapter = example.QueueAdapter(example.QueueSettings(database=tmp_path / "missing.db"))

    with pytest.raises(Unreachable, match="cannot read the queue: unable to open database file"):
        await adapter.list_jobs()
