"""The kinds jobdeck itself registers under an entry-point group (its adapters,
its emulators), with one owner: the ``[project.entry-points]`` tables of
jobdeck's pyproject.toml.

They are read from jobdeck's own installed metadata (which pip writes from those
tables), and only where that metadata is missing (a source tree run without
installing it) from the pyproject.toml beside the source. Either way no second
list exists to drift from the first. Other packages' entry points are plugins,
not built-ins: the registries read those themselves.
"""

from __future__ import annotations

import logging
import tomllib
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

log = logging.getLogger(__name__)

#: The distribution whose entry points are jobdeck's own.
DISTRIBUTION = "jobdeck"

#: Where pyproject.toml is in a source tree (src/jobdeck/builtin_kinds.py → the tree's root).
SOURCE_PYPROJECT = Path(__file__).resolve().parent.parent.parent / "pyproject.toml"


def builtin_targets(group: str) -> dict[str, str]:
    """jobdeck's own kinds in ``group`` as ``{kind: "module:Class"}``, sorted by kind (a new dict).

    Empty (with a warning in the log) when neither the metadata nor the source
    tree's pyproject.toml can be read: the deck then says the kind is unknown."""
    return dict(_read(group))


@cache  # the metadata does not change while jobdeck runs; read it once per group
def _read(group: str) -> tuple[tuple[str, str], ...]:
    try:
        points = distribution(DISTRIBUTION).entry_points.select(group=group)
    except PackageNotFoundError:
        return tuple(_from_pyproject(group, SOURCE_PYPROJECT).items())
    return tuple(sorted((point.name, point.value) for point in points))


def _from_pyproject(group: str, path: Path) -> dict[str, str]:
    """The ``group`` table of jobdeck's pyproject.toml at ``path``; empty when it is not there."""
    try:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        log.warning("jobdeck is not installed and %s cannot be read (%s): no built-in %s", path, exc, group)
        return {}
    table = project.get("entry-points", {}).get(group, {}) if project.get("name") == DISTRIBUTION else {}
    targets = {str(kind): str(target) for kind, target in table.items() if isinstance(target, str)}
    if not targets:
        log.warning("jobdeck is not installed and %s declares no %s entry points", path, group)
    return dict(sorted(targets.items()))
