"""`jobdeck emulate` and `serve`: clear refusals, a URL to use, and a clean stop on Ctrl-C."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from cli_helpers import invoke

from jobdeck.emulators import EMULATORS, create_emulator, demo_spec
from jobdeck.emulators.server import bind

TESTS = Path(__file__).parent
#: How long a child process gets to print its URL, and to stop after Ctrl-C.
PROCESS_TIMEOUT = 20.0


def emulator_ready(kind: str) -> bool:
    try:
        create_emulator(kind, speed=0)
    except Exception:
        return False
    return True


class Served:
    """A child process serving an emulator: its first stdout line holds the URL."""

    def __init__(self, argv: Sequence[str]) -> None:
        python_path = os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": python_path}
        # Unbuffered bytes: readline must not swallow output that communicate() reads later.
        self.process = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=env)
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], PROCESS_TIMEOUT)
        first = self.process.stdout.readline().decode() if ready else ""
        self.url = next((word for word in first.split() if word.startswith("http://")), "")
        assert self.url, f"no URL in {first!r}; stderr: {self.stop()[2]}"

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C the process; its exit code, the rest of its stdout, and its stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            pytest.fail(f"the emulator did not stop within {PROCESS_TIMEOUT} s of Ctrl-C")
        return self.process.returncode, out.decode(), err.decode()


@pytest.fixture
def serve_process() -> Iterator[type[Served]]:
    started: list[Served] = []

    class Tracked(Served):
        def __init__(self, argv: Sequence[str]) -> None:
            started.append(self)
            super().__init__(argv)

    yield Tracked
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(PROCESS_TIMEOUT)


def wait_until_served(url: str) -> httpx.Response:
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while True:
        try:
            return httpx.get(f"{url}/_emulator/state", timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# -- refusals ------------------------------------------------------------------------------------


def test_an_unknown_kind_is_refused_with_the_kinds_there_are() -> None:
    result = invoke("emulate", "slurm")

    assert result.exit_code == 2
    assert result.stderr == "jobdeck: no emulator for 'slurm'; emulators: drp, intuned, istari, julep\n"


def test_a_bad_faults_spec_is_refused_naming_the_bad_item() -> None:
    result = invoke("emulate", "drp", "--faults", "latency=0.1,explode")

    assert result.exit_code == 2
    assert result.stderr.startswith("jobdeck: --faults: unknown fault 'explode'")


def test_a_fault_value_out_of_range_is_refused() -> None:
    result = invoke("emulate", "drp", "--faults", "5xx=1.5")

    assert result.exit_code == 2
    assert "bad fault value '5xx=1.5'" in result.stderr


def test_a_negative_speed_is_refused_by_the_option() -> None:
    result = invoke("emulate", "drp", "--speed", "-1")
    assert result.exit_code == 2
    assert "--speed" in result.stderr


def test_a_port_already_taken_is_reported_without_a_traceback() -> None:
    kind = next((kind for kind in sorted(EMULATORS) if emulator_ready(kind)), None)
    if kind is None:
        pytest.skip("no seed emulator is there yet")
    taken = bind("127.0.0.1", 0)
    port = taken.getsockname()[1]
    try:
        result = invoke("emulate", kind, "--port", str(port))
    finally:
        taken.close()

    assert result.exit_code == 1
    assert result.stderr.startswith(f"jobdeck: cannot serve on 127.0.0.1:{port}: ")
    assert "Traceback" not in result.output


# -- serving -----------------------------------------------------------------------------------


def test_serve_prints_its_url_serves_and_stops_cleanly_on_ctrl_c(serve_process: type[Served]) -> None:
    code = "from toy_emulator import ToyEmulator; from jobdeck.emulators import serve; serve(ToyEmulator(seed=3))"
    served = serve_process([sys.executable, "-c", code])

    state = wait_until_served(served.url).json()

    assert (state["kind"], state["seed"]) == ("toy", 3)
    exit_code, _, stderr = served.stop()
    assert exit_code == 0, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("kind", sorted(EMULATORS))
def test_jobdeck_emulate_serves_the_kind_with_its_faults_and_stops_on_ctrl_c(
    serve_process: type[Served], kind: str
) -> None:
    if not emulator_ready(kind):
        pytest.skip(f"the {kind} emulator is not there yet")
    served = serve_process(
        [sys.executable, "-m", "jobdeck", "emulate", kind, "--seed", "5", "--speed", "0", "--faults", "drift"]
    )

    state = wait_until_served(served.url).json()

    assert (state["seed"], state["speed"], state["faults"]) == (5, 0, "drift")
    exit_code, stdout, stderr = served.stop()
    assert exit_code == 0, stderr
    assert "Traceback" not in stderr
    if demo_spec(kind) is not None:  # how to reach it: a config table pointing at this URL
        assert "[[backends]]" in stdout
        assert f'kind = "{kind}"' in stdout


def test_the_printed_backend_table_is_valid_toml_for_every_value_kind():
    import tomllib

    from jobdeck.cli.emulate import _toml_value

    table = {"tasks": ["a", "b"], "task_names": {"a": "summarize", "b": "translate"}, "n": 2, "on": True}
    text = "\n".join(f"{key} = {_toml_value(value)}" for key, value in table.items())
    assert tomllib.loads(text) == table
