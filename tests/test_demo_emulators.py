"""The demo's emulated backends: each emulator with a demo module is served while the
deck runs, its credentials are in the environment, and one that fails is left out."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_helpers import invoke
from fakes import FakeSettings

from jobdeck import demo
from jobdeck.config import Settings
from jobdeck.emulators import DemoSpec, available_kinds

TOY_ENV = "JOBDECK_TEST_TOY_TOKEN"


def toy_spec(kind: str = "toy", *, settings_kind: str = "fake") -> DemoSpec:
    """A demo of the test ToyEmulator, shown through the FakeAdapter's settings (kind "fake")."""
    return DemoSpec(
        kind=kind,
        seed=4,
        settings=lambda url: {"kind": settings_kind, "name": f"{kind}-demo"},
        env={TOY_ENV: "toy-token"},
    )


@pytest.fixture
def toy_kinds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``toy`` and ``toy2`` are emulator kinds served by tests/toy_emulator.py; the seed kinds are hidden."""
    toys = {"toy": "toy_emulator:ToyEmulator", "toy2": "toy_emulator:ToyEmulator"}
    monkeypatch.setattr("jobdeck.emulators.registry.targets", lambda: dict(toys))
    monkeypatch.delenv(TOY_ENV, raising=False)
    yield


def emulator_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("emulator-")]


def test_an_emulator_demo_serves_its_emulator_until_stopped_and_sets_its_credentials(
    toy_kinds: None, tmp_path: Path
) -> None:
    served: list[str] = []
    def settings(url: str) -> dict[str, Any]:
        served.append(url)
        return {"kind": "fake", "name": "toy"}

    spec = DemoSpec(kind="toy", seed=4, settings=settings, env={TOY_ENV: "t"})
    backend = demo.EmulatorDemo(spec)

    settings = backend.start(tmp_path)

    assert isinstance(settings, FakeSettings) and settings.name == "toy"
    assert os.environ[TOY_ENV] == "t"
    assert httpx.get(f"{served[0]}/_emulator/state").json()["seed"] == 4
    backend.stop()
    assert TOY_ENV not in os.environ
    assert emulator_threads() == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{served[0]}/_emulator/state")


def test_start_demo_adds_every_emulator_with_a_demo_after_the_other_backends(
    toy_kinds: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "DEMO_BACKENDS", [])
    monkeypatch.setattr("jobdeck.emulators.demo_spec", lambda kind: toy_spec(kind))

    settings, backends = demo.start_demo(Settings(), tmp_path, emulated=True)
    try:
        assert [backend.name for backend in settings.backends] == ["toy-demo", "toy2-demo"]
        assert len(emulator_threads()) == 2
    finally:
        for backend in backends:
            backend.stop()
    assert emulator_threads() == []


def test_an_emulator_that_fails_to_start_is_named_and_the_others_still_run(
    toy_kinds: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(demo, "DEMO_BACKENDS", [])
    specs = {"toy": toy_spec("toy", settings_kind="no-such-kind"), "toy2": toy_spec("toy2")}
    monkeypatch.setattr("jobdeck.emulators.demo_spec", specs.get)

    settings, backends = demo.start_demo(Settings(), tmp_path, emulated=True)
    try:
        assert [backend.name for backend in settings.backends] == ["toy2-demo"]
        assert "jobdeck: warning: the toy emulator is left out of the demo: unknown backend kind 'no-such-kind'" in (
            capsys.readouterr().err
        )
        assert len(emulator_threads()) == 1  # the failed one's server is already stopped
    finally:
        for backend in backends:
            backend.stop()


def test_kinds_without_a_demo_module_are_skipped(toy_kinds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jobdeck.emulators.demo_spec", {"toy2": toy_spec("toy2")}.get)
    assert [backend.name for backend in demo.emulator_demos()] == ["toy2"]


def test_without_the_deck_no_emulator_is_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "DEMO_BACKENDS", [])
    settings, backends = demo.start_demo(Settings(), tmp_path)
    assert settings.backends == [] and backends == []


def test_the_deck_of_jobdeck_demo_shows_every_seed_emulator_and_they_stop_when_it_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.setattr(demo, "DEMO_BACKENDS", [])  # the local demo jobs have their own tests
    seen: dict[str, Any] = {}

    def run_deck(settings: Settings, *, read_only: bool, kiosk: bool) -> int:
        seen["kinds"] = [backend.kind for backend in settings.backends]
        seen["threads"] = emulator_threads()
        return 0

    monkeypatch.setattr("jobdeck.wiring.run_deck", run_deck)

    result = invoke("demo", "--fresh")

    assert result.exit_code == 0, result.output
    ready = [kind for kind in available_kinds() if kind in seen["kinds"]]
    assert ready == seen["kinds"], result.stderr  # every backend shown is an emulated seed backend
    assert len(seen["threads"]) == len(ready)
    assert emulator_threads() == []
