"""No backend text can harm the terminal: hostile strings in every string field of
every adapter (the emulators' answers rewritten, the local spool's files and logs),
through the whole deck and every CLI command. Nothing unsafe is written, nothing
crashes, the clipboard gets one printable line.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from cli_helpers import invoke
from deck_helpers import build_app, screen_text, toasts, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until
from hostile import HOSTILE, poison, poisoned, terminal_output, unsafe_parts

from jobdeck.adapters import registry
from jobdeck.clock import FrozenClock
from jobdeck.emulators import create_emulator, demo_spec, running
from jobdeck.emulators.core import SimClock
from jobdeck.model import JobState
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.widgets.job_list import JobList

EMULATED = ["drp", "intuned", "istari", "julep"]
PYTHON = sys.executable


def assert_safe(app: JobdeckApp, after: str) -> None:
    """The deck still runs, and neither its frame nor the clipboard holds anything unsafe."""
    assert app.is_running, f"the deck closed after {after}"
    unsafe = unsafe_parts(terminal_output(app), terminal_sequences=True)
    assert not unsafe, f"written to the terminal after {after}: {unsafe[:8]}"
    clipboard = app.clipboard
    assert "\n" not in clipboard and not unsafe_parts(clipboard), f"clipboard after {after}: {clipboard!r}"


# -- the deck ---------------------------------------------------------------------------


async def test_copying_a_log_line_with_brackets_copies_it_and_keeps_the_deck_open(tmp_path):
    clock = FrozenClock()
    local = FakeAdapter.build("local", clock=clock, jobs=[make_job("j1", JobState.SUCCEEDED, name="cleanup")])
    local.set_log("j1", "cleaned [/tmp] ok\n")
    local.complete_log("j1")
    app = build_app(tmp_path, [local], clock=clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_jobs(app)
        await pilot.press("l")
        await wait_until(lambda: "cleaned" in screen_text(app), what="the log line")
        await pilot.press("y")
        await pilot.pause()
        assert app.is_running
        assert app.clipboard == "cleaned [/tmp] ok"
        assert "Copied log line: cleaned [/tmp] ok" in toasts(app)


async def test_a_filter_with_markup_is_shown_as_typed(tmp_path):
    clock = FrozenClock()
    local = FakeAdapter.build("local", clock=clock, jobs=[make_job("j1", JobState.SUCCEEDED, name="x")])
    app = build_app(tmp_path, [local], clock=clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_jobs(app)
        await pilot.press("slash", "left_square_bracket", "slash", "t", "m", "p", "right_square_bracket", "enter")
        await pilot.pause()
        assert app.is_running
        assert "filter: [/tmp]" in screen_text(app)


async def test_hostile_text_in_a_toast_is_shown_plain_and_safe(tmp_path):
    app = build_app(tmp_path, [])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.notify(f"Copied {HOSTILE}", title=f"title{HOSTILE}")
        await pilot.pause()
        assert_safe(app, "a hostile toast")
        assert "[@click=app.quit]quit[/]" in screen_text(app)


#: Keys pressed on each of the first jobs, then once on the last one.
KEYS_PER_JOB = ["c", "y", "d", "t", "l", "right_square_bracket", "left_square_bracket", "j"]
KEYS_ONCE = [
    "question_mark", "escape", "a", "n", "x", "n", "r", "y", "s", "v", "v", "ctrl+r",
    "slash", "t", "m", "p", "enter", "escape", "c", "y",
]


#: Workers that end (the monitor and the log's follower run as long as the deck).
SETTLING_GROUPS = frozenset({"runs", "timeline", "actions", "refresh"})


async def sweep(app: JobdeckApp, pilot: Any, jobs: JobList, *, first_jobs: int = 4) -> None:
    """Press every key that shows or copies backend text, checking after each."""
    assert_safe(app, "the first poll")
    for _ in range(min(first_jobs, jobs.total_count)):
        for key in KEYS_PER_JOB:
            await pilot.press(key)
            await pilot.pause()
            assert_safe(app, f"pressing {key}")
    for key in KEYS_ONCE:
        await pilot.press(key)
        await pilot.pause()
        assert_safe(app, f"pressing {key}")
    await wait_until(
        lambda: not any(w.group in SETTLING_GROUPS and not w.is_finished for w in app.workers),
        what="the actions, runs and timeline to load",
    )
    await pilot.pause()
    assert_safe(app, "the workers ended")


@contextlib.contextmanager
def hostile_emulator(kind: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The ``kind`` emulator (frozen, demo seed) serving poisoned answers; and its backend table."""
    spec = demo_spec(kind)
    assert spec is not None
    emulator = poison(create_emulator(kind, seed=spec.seed, clock=SimClock(speed=0)))
    for name, value in spec.env.items():
        monkeypatch.setenv(name, value)
    with running(emulator) as url:
        table = spec.settings(url)
        if "jobs" in table:
            # The demo's job that no server has: its poisoned "not found" no longer reads
            # as one, so it would fail the backend and hide everything else.
            table["jobs"] = [job for job in table["jobs"] if job in emulator.summary().get("showcase_jobs", [])]
        yield emulator, table


@pytest.mark.parametrize("kind", EMULATED)
async def test_hostile_text_in_every_field_never_reaches_the_terminal(kind, tmp_path, monkeypatch):
    with hostile_emulator(kind, monkeypatch) as (emulator, table):
        adapter_class = registry.adapter_class(kind)
        clock = FrozenClock(emulator.clock.now())
        adapter = adapter_class(adapter_class.Settings.model_validate(table), clock=clock)
        app = build_app(tmp_path, [adapter], clock=clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            jobs = await wait_for_jobs(app)
            await wait_until(lambda: "[/tmp]" in screen_text(app), what="hostile text in the deck")
            await sweep(app, pilot, jobs)
        await app.monitor.stop()


# -- the local spool ----------------------------------------------------------------------

LOG_PRINTER = (
    "import sys; sys.stdout.write(" + repr(HOSTILE.replace("\ud800", "") + "\n") + "); "
    "sys.stdout.buffer.write(b'bad utf-8 \\xff\\xfe\\n')"
)


@pytest.fixture(scope="module")
def hostile_spool(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A data folder whose spool holds a finished job with a hostile name, spec and log."""
    root = tmp_path_factory.mktemp("hostile")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBDECK_")}
    env |= {"JOBDECK_DATA_DIR": str(root / "data"), "JOBDECK_CONFIG_DIR": str(root / "config")}
    name = "n" + HOSTILE.replace("\x00", "").replace("\ud800", "")
    subprocess.run([PYTHON, "-m", "jobdeck", "run", "--name", name, "--", PYTHON, "-c", LOG_PRINTER],
                   env=env, capture_output=True, timeout=60, check=True)
    for spec_file in (root / "data").rglob("spec.json"):
        spec = json.loads(spec_file.read_text())
        kept = {key: spec[key] for key in ("id", "created", "version")}
        spec_file.write_text(json.dumps(poisoned(spec) | kept))
    return env


@pytest.fixture
def in_hostile_spool(hostile_spool: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name in ("JOBDECK_DATA_DIR", "JOBDECK_CONFIG_DIR"):
        monkeypatch.setenv(name, hostile_spool[name])


async def test_a_hostile_local_job_never_reaches_the_terminal(in_hostile_spool, tmp_path):
    from jobdeck.config import Settings
    from jobdeck.wiring import build_monitor

    settings = Settings()
    clock = FrozenClock()
    app = JobdeckApp(settings, build_monitor(settings, clock=clock, read_only=False), clock=clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        jobs = await wait_for_jobs(app)
        await pilot.press("l")
        await wait_until(lambda: "second line" in screen_text(app), what="the hostile log")
        await sweep(app, pilot, jobs, first_jobs=1)


# -- the CLI ------------------------------------------------------------------------------


def cli_output_is_safe(*args: str) -> Any:
    result = invoke(*args)
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        # JSON escapes every control character, and an error quoting what the user typed
        # spells it out ('\x1b]0;…'): the payloads' words are inert there.
        inert = (stream == "stdout" and "--json" in args) or (stream == "stderr" and "\\x1b" in repr(args))
        unsafe = unsafe_parts(text.replace("\n", " "), payloads=not inert)
        assert not unsafe, f"jobdeck {' '.join(args)!r} wrote to {stream}: {unsafe[:8]}"
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def cli_sweep() -> None:
    listing = cli_output_is_safe("ls", "--json", "--all")
    assert listing.exit_code == 0, listing.output
    refs = [job["ref"] for job in json.loads(listing.stdout)]
    assert refs
    cli_output_is_safe("ls", "--all")
    cli_output_is_safe("info")
    for ref in refs[:3]:
        cli_output_is_safe("logs", ref)
    # A reference that is itself hostile, and one that matches nothing.
    cli_output_is_safe("logs", refs[0].split("/")[0] + "/" + HOSTILE.replace("\x00", ""))
    cli_output_is_safe("logs", HOSTILE.replace("\x00", ""))


def test_every_cli_command_is_safe_on_a_hostile_local_job(in_hostile_spool):
    cli_sweep()


def toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


@pytest.mark.parametrize("kind", EMULATED)
def test_every_cli_command_is_safe_on_a_hostile_backend(kind, tmp_path, monkeypatch):
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    with hostile_emulator(kind, monkeypatch) as (_, table):
        config = tmp_path / "config.toml"
        config.write_text("[[backends]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items()))
        monkeypatch.setenv("JOBDECK_CONFIG", str(config))
        cli_sweep()


def test_the_wrapper_really_poisons_what_a_backend_sends() -> None:
    assert poisoned({"name": "a", "at": "2026-01-01T00:00:00Z", "n": 1}) == {
        "name": "a" + HOSTILE, "at": "2026-01-01T00:00:00Z", "n": 1,
    }
