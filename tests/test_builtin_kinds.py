"""jobdeck's own adapter and emulator kinds have one owner, the entry points in its
pyproject.toml: the registries read them from the installed metadata, or from the
source tree's pyproject.toml where jobdeck is not installed; no second list to edit."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib.metadata import EntryPoint, EntryPoints, PackageNotFoundError
from pathlib import Path

import pytest

from jobdeck import builtin_kinds
from jobdeck.adapters import registry as adapters
from jobdeck.emulators import registry as emulators

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


class OwnDistribution:
    """jobdeck's metadata as importlib.metadata would give it, with the entry points given."""

    def __init__(self, points: dict[str, dict[str, str]]) -> None:
        self.entry_points = EntryPoints(
            EntryPoint(name, target, group) for group, table in points.items() for name, target in table.items()
        )


def declared(group: str) -> dict[str, str]:
    return tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][group]


@pytest.fixture(autouse=True)
def read_afresh() -> Iterator[None]:
    """Each test reads the metadata it arranges (and leaves none cached for the next)."""
    builtin_kinds._read.cache_clear()
    yield
    builtin_kinds._read.cache_clear()


def installed_as(monkeypatch: pytest.MonkeyPatch, points: dict[str, dict[str, str]]) -> None:
    def distribution(name: str) -> OwnDistribution:
        assert name == "jobdeck"
        return OwnDistribution(points)

    monkeypatch.setattr(builtin_kinds, "distribution", distribution)


def not_installed(monkeypatch: pytest.MonkeyPatch, pyproject: Path) -> None:
    def distribution(name: str) -> OwnDistribution:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(builtin_kinds, "distribution", distribution)
    monkeypatch.setattr(builtin_kinds, "SOURCE_PYPROJECT", pyproject)


def test_the_builtin_kinds_are_those_pyproject_declares() -> None:
    assert adapters.builtin() == declared(adapters.GROUP)
    assert emulators.builtin() == declared(emulators.GROUP)


def test_a_kind_added_to_jobdecks_own_entry_points_is_builtin_with_no_second_list_to_edit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    adapter_points = {**declared(adapters.GROUP), "slurm": "jobdeck.adapters.slurm:SlurmAdapter"}
    emulator_points = {**declared(emulators.GROUP), "slurm": "jobdeck.emulators.slurm:SlurmEmulator"}
    installed_as(monkeypatch, {adapters.GROUP: adapter_points, emulators.GROUP: emulator_points})

    assert adapters.builtin()["slurm"] == "jobdeck.adapters.slurm:SlurmAdapter"
    assert "slurm" in adapters.available_kinds()
    assert emulators.builtin()["slurm"] == "jobdeck.emulators.slurm:SlurmEmulator"
    assert emulators.available_kinds() == ["drp", "intuned", "istari", "julep", "slurm"]


def test_jobdeck_not_installed_reads_its_kinds_from_the_source_trees_pyproject(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    not_installed(monkeypatch, PYPROJECT)

    assert adapters.builtin() == declared(adapters.GROUP)
    assert emulators.builtin() == declared(emulators.GROUP)
    assert adapters.adapter_class("local").kind == "local"


def test_a_caller_changing_the_builtin_kinds_it_got_changes_nobody_elses() -> None:
    adapters.builtin().clear()
    emulators.targets()["toy"] = "toy_emulator:ToyEmulator"

    assert adapters.builtin() == declared(adapters.GROUP)
    assert "toy" not in emulators.builtin()


@pytest.mark.parametrize(
    "pyproject_text",
    [None, "this is [not toml", '[project]\nname = "someone-else"\n[project.entry-points."jobdeck.adapters"]\nx = "a:B"\n'],
    ids=["missing", "not-toml", "another-project"],
)
def test_without_metadata_or_a_readable_pyproject_there_are_no_builtin_kinds_and_the_log_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, pyproject_text: str | None
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    if pyproject_text is not None:
        pyproject.write_text(pyproject_text)
    not_installed(monkeypatch, pyproject)

    assert adapters.builtin() == {}
    assert emulators.builtin() == {}
    assert f"jobdeck is not installed and {pyproject}" in caplog.text
