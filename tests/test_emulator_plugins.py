"""Emulators are plugins: found by kind through the ``jobdeck.emulators`` entry-point
group, the seed four registered there like any other; a kind that is not there, or a
plugin that is broken, is refused with a sentence naming the kinds there are."""

from __future__ import annotations

import sys
import textwrap
import tomllib
from importlib.metadata import entry_points
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import invoke
from fakes import FakeSettings
from served_emulators import Served, serve_process, wait_until_served  # noqa: F401 (serve_process: a fixture)
from toy_emulator import ToyEmulator

from jobdeck import demo
from jobdeck.emulators import available_kinds, create_emulator, demo_spec, emulator_class
from jobdeck.emulators.core import Emulator
from jobdeck.emulators.registry import GROUP, builtin

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
SEED_KINDS = ["drp", "intuned", "istari", "julep"]


def install_plugin(folder: Path, entries: dict[str, str], *, modules: dict[str, str] | None = None) -> Path:
    """A distribution in ``folder`` whose ``jobdeck.emulators`` entry points are ``entries``, as
    pip would install it (its metadata beside its modules); ``folder`` goes on sys.path."""
    info = folder / "toy_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-plugin\nVersion: 1.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entries.items())
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}")
    for name, source in (modules or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return folder


#: Installs a plugin distribution (its entry points, and its modules' sources by file name); its folder.
Install = Callable[..., Path]


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Installs plugin distributions for one test (they are gone after it)."""

    installed: list[Path] = []

    def install(entries: dict[str, str], modules: dict[str, str] | None = None) -> Path:
        folder = install_plugin(tmp_path / f"site{len(installed)}", entries, modules=modules)
        installed.append(folder)
        monkeypatch.syspath_prepend(str(folder))
        return folder

    yield install
    for name in [name for name in sys.modules if name.startswith("toyplug")]:
        del sys.modules[name]


# -- one list, and the entry points agree with it ---------------------------------------------


def test_the_entry_points_and_the_emulator_registry_agree() -> None:
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][GROUP]
    installed = {ep.name: ep.value for ep in entry_points(group=GROUP)}

    assert declared == builtin(), "pyproject.toml's jobdeck.emulators entry points differ from registry.builtin()"
    assert installed == builtin(), "the installed entry points are stale: reinstall jobdeck (pip install -e .)"


@pytest.mark.parametrize("kind", SEED_KINDS)
def test_every_seed_emulator_is_an_emulator_of_its_own_kind_with_a_demo(kind: str) -> None:
    cls = emulator_class(kind)

    assert issubclass(cls, Emulator) and cls.kind == kind
    spec = demo_spec(kind)
    assert spec is not None and spec.kind == kind


def test_every_seed_backend_has_an_emulator() -> None:
    assert available_kinds() == SEED_KINDS


def test_an_unknown_emulator_kind_is_refused_with_the_known_kinds() -> None:
    with pytest.raises(ValueError, match="^no emulator for 'nope'; emulators: drp, intuned, istari, julep$"):
        create_emulator("nope")


# -- plugins -------------------------------------------------------------------------------------


def test_a_plugin_emulator_is_found_through_its_entry_point_after_the_seed_ones(plugins: Install) -> None:
    plugins({"toy": "toy_emulator:ToyEmulator"})

    emulator = create_emulator("toy", seed=3, speed=0)

    assert isinstance(emulator, ToyEmulator) and emulator.seed == 3
    assert available_kinds() == [*SEED_KINDS, "toy"]
    assert demo_spec("toy") is None  # toy_emulator is a module, with no demo module beside it


def test_a_plugin_cannot_replace_a_seed_emulator(plugins: Install) -> None:
    plugins({"drp": "toy_emulator:ToyEmulator"})

    assert emulator_class("drp").__name__ == "DrpEmulator"
    assert available_kinds() == SEED_KINDS


@pytest.mark.parametrize(
    ("target", "modules", "reason"),
    [
        ("toyplug_missing:ToyEmulator", {}, "No module named 'toyplug_missing'"),
        ("toyplug_broken:ToyEmulator", {"toyplug_broken.py": "raise RuntimeError('boom')\n"}, "boom"),
        ("toy_emulator:NoSuchClass", {}, "toy_emulator has no NoSuchClass"),
        ("toy_emulator:TOKEN", {}, "toy_emulator:TOKEN is not an emulator"),
        ("toy_emulator", {}, "not module:Class"),
    ],
)
def test_a_plugin_that_cannot_be_loaded_is_refused_saying_why(
    plugins: Install, target: str, modules: dict[str, str], reason: str
) -> None:
    plugins({"bad": target}, modules)

    with pytest.raises(ValueError) as refused:
        emulator_class("bad")

    message = str(refused.value)
    assert message.startswith(f"the bad emulator ({target}) could not be loaded: ")
    assert reason in message


def test_jobdeck_emulate_refuses_a_broken_plugin_with_a_sentence_not_a_traceback(plugins: Install) -> None:
    plugins({"bad": "toyplug_broken:ToyEmulator"}, {"toyplug_broken.py": "raise RuntimeError('boom')\n"})

    result = invoke("emulate", "bad")

    assert result.exit_code == 2
    assert result.stderr == (
        "jobdeck: the bad emulator (toyplug_broken:ToyEmulator) could not be loaded: RuntimeError: boom\n"
    )


def test_jobdeck_emulate_names_the_plugin_kinds_too(plugins: Install) -> None:
    plugins({"toy": "toy_emulator:ToyEmulator"})

    result = invoke("emulate", "slurm")

    assert result.stderr == "jobdeck: no emulator for 'slurm'; emulators: drp, intuned, istari, julep, toy\n"


def test_jobdeck_emulate_serves_a_plugin_emulator(
    plugins: Install, serve_process: type[Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = plugins({"toy": "toy_emulator:ToyEmulator"})
    monkeypatch.setenv("PYTHONPATH", str(folder))  # Served adds tests/, where toy_emulator lives

    served = serve_process([sys.executable, "-m", "jobdeck", "emulate", "toy", "--seed", "9", "--speed", "0"])

    state = wait_until_served(served.url).json()
    assert (state["kind"], state["seed"]) == ("toy", 9)
    exit_code, _, stderr = served.stop()
    assert exit_code == 0, stderr


TOY_PACKAGE = {
    "toyplug/__init__.py": "from toy_emulator import ToyEmulator\n",
    "toyplug/demo.py": """
        from jobdeck.emulators.core import DemoSpec

        DEMO = DemoSpec(kind="toy", seed=4, settings=lambda url: {"kind": "fake", "name": "toy-demo"})
    """,
}


def test_a_plugin_package_with_a_demo_module_is_in_the_demo_after_the_seed_emulators(
    plugins: Install, tmp_path: Path
) -> None:
    plugins({"toy": "toyplug:ToyEmulator"}, TOY_PACKAGE)

    demos = demo.emulator_demos()

    assert [backend.name for backend in demos] == [*SEED_KINDS, "toy"]
    settings = demos[-1].start(tmp_path)
    try:
        assert isinstance(settings, FakeSettings) and settings.name == "toy-demo"
    finally:
        demos[-1].stop()


def test_a_plugin_whose_demo_module_is_broken_is_left_out_of_the_demo_with_a_warning(
    plugins: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins({"toy": "toyplug:ToyEmulator"}, {**TOY_PACKAGE, "toyplug/demo.py": "DEMO = 1 / 0\n"})

    demos = demo.emulator_demos()

    assert [backend.name for backend in demos] == SEED_KINDS
    assert capsys.readouterr().err == (
        "jobdeck: warning: the toy emulator is left out of the demo: the demo of the toy emulator (toyplug.demo)"
        " could not be loaded: ZeroDivisionError: division by zero\n"
    )
