"""``jobdeck emulate``: serve a local emulator of a seed backend."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

import click

from jobdeck.cli.common import EXIT_USAGE, FiniteFloatRange, fail
from jobdeck.clock import SystemClock

#: Simulated seconds per real second at most: a day in under nine seconds. Far faster, simulated
#: times soon pass what a datetime can hold (an internal error, not a usage one).
MAX_SPEED = 10_000


@click.command(short_help="Serve a local emulator of a seed backend.")
@click.argument("kind", metavar="KIND")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port to listen on (default: a free one).")
@click.option("--seed", type=int, default=None, help="Seed of the simulation (default: the demo's).")
@click.option(
    "--speed",
    type=FiniteFloatRange(min=0, max=MAX_SPEED),
    default=1.0,
    show_default=True,
    help="Simulated seconds per real second (0: frozen).",
)
@click.option(
    "--faults",
    "faults_spec",
    metavar="SPEC",
    default="",
    help='Faults to inject, e.g. "latency=0.2,5xx=0.1,429=0.05,401,malformed=0.1,truncated=0.1,drift,drop-log".',
)
def emulate(kind: str, host: str, port: int, seed: int | None, speed: float, faults_spec: str) -> None:
    """Serve the emulator of KIND (drp, intuned, istari, julep, or a plugin's) until Ctrl-C.

    Prints the URL, the credentials the emulator accepts and a [[backends]]
    table that points jobdeck at it. Faults can be changed while it runs
    with PUT /_emulator/faults; POST /_emulator/advance?seconds=N moves time.
    """
    from jobdeck.emulators import Faults, demo_spec, emulator_class, serve

    try:  # an unknown kind, or a plugin that fails to load, is refused naming why
        emulator_type = emulator_class(kind)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        faults = Faults.parse(faults_spec)
    except ValueError as exc:
        fail(f"--faults: {exc}", EXIT_USAGE)
    try:
        spec = demo_spec(kind)
        if seed is None:
            seed = spec.seed if spec else 0
        # Simulated time starts now, so a deck (on the real clock) shows sensible ages.
        from jobdeck.emulators.core import SimClock

        clock = SimClock(start=SystemClock().now(), speed=speed)
        emulator = emulator_type(seed=seed, faults=faults, clock=clock)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)

    def announce(url: str) -> None:
        click.echo(f"{kind} emulator on {url} (Ctrl-C stops)")
        if faults.any:
            click.echo(f"faults: {faults.spec()}")
        if spec is not None:
            click.echo("")
            click.echo(_emulator_usage(spec.credentials, spec.env, spec.settings(url)))
        sys.stdout.flush()

    try:
        serve(emulator, host=host, port=port, announce=announce)
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")


def _emulator_usage(credentials: str, env: Mapping[str, str], backend: Mapping[str, Any]) -> str:
    """The credentials an emulator accepts and the config table that reaches it."""
    lines = [f"credentials: {credentials}"] if credentials else []
    if env:
        lines += ["set the demo credentials with:", *(f"  export {name}={value}" for name, value in env.items())]
    lines += ["and add to config.toml:", "  [[backends]]"]
    lines += [f"  {key} = {_toml_value(value)}" for key, value in backend.items()]
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))  # a TOML basic string is a JSON string
