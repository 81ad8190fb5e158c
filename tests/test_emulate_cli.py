"""`jobdeck emulate` and `serve`: clear refusals, a URL to use, and a clean stop on Ctrl-C."""

from __future__ import annotations

import sys

import pytest
from cli_helpers import invoke
from served_emulators import Served, serve_process, wait_until_served  # noqa: F401 (serve_process: a fixture)

from jobdeck.emulators import available_kinds, create_emulator, demo_spec
from jobdeck.emulators.server import bind


def emulator_ready(kind: str) -> bool:
    try:
        create_emulator(kind, speed=0)
    except Exception:
        return False
    return True


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
    kind = next((kind for kind in available_kinds() if emulator_ready(kind)), None)
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


@pytest.mark.parametrize("kind", available_kinds())
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


@pytest.mark.parametrize("typed", ["5xx=0.3", "429=0.05", "401", "latency=0.2,5xx=0.1,429=0.05,drift,drop-log"])
def test_the_faults_are_echoed_in_the_names_they_were_typed_with(typed: str) -> None:
    from jobdeck.emulators.faults import Faults

    assert Faults.parse(typed).spec() == typed


def test_the_printed_backend_table_is_valid_toml_for_every_value_kind():
    import tomllib

    from jobdeck.cli.emulate import _toml_value

    table = {"tasks": ["a", "b"], "task_names": {"a": "summarize", "b": "translate"}, "n": 2, "on": True}
    text = "\n".join(f"{key} = {_toml_value(value)}" for key, value in table.items())
    assert tomllib.loads(text) == table
