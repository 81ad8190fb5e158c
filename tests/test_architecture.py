"""No import cycle anywhere in jobdeck, counting every import a reader sees.

import-linter (``lint-imports``, contracts in pyproject.toml) checks the layers.
This checks what it does not: that no two modules import each other, through
any chain, whether the import is at the top of the module, inside a function
(a lazy import, for start-up time) or under ``if TYPE_CHECKING:``. A cycle the
interpreter never trips over is still one for the reader.

Modules are read with ``ast``, never imported. ``from a.b import c`` counts as
an import of ``a.b.c`` when that is a module, else of ``a.b``. A package's
``__init__`` that Python runs before a submodule is not counted: it is not an
import anyone wrote.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import jobdeck

SOURCE_ROOT = Path(jobdeck.__file__).resolve().parent.parent


@dataclass(frozen=True)
class ImportLine:
    """One import statement of ``importer`` that names ``imported``."""

    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported} (line {self.line})"


def modules_under(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` (a folder under ``root``), by dotted name."""
    modules: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _known(name: str, modules: Mapping[str, Path]) -> str | None:
    """``name`` or its nearest enclosing module that exists (``a.b.C`` -> ``a.b``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    """The dotted names one import statement of ``module`` refers to."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        # Relative: level 1 is the module's own package.
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)]
        origin = ".".join([*base, node.module] if node.module else base)
    else:
        origin = node.module or ""
    yield origin
    yield from (f"{origin}.{alias.name}" for alias in node.names)


def import_lines(modules: Mapping[str, Path]) -> list[ImportLine]:
    """Every import, anywhere in each module, of another module in ``modules``."""
    found: list[ImportLine] = []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = {
                known for name in _imported_names(node, module, is_package) if (known := _known(name, modules))
            }
            if isinstance(node, ast.ImportFrom):
                # `from a import b`: the submodule a.b when there is one, else a itself.
                submodules = {target for target in targets if target.rpartition(".")[0] in targets}
                if submodules:
                    targets = submodules
            found.extend(ImportLine(module, target, node.lineno) for target in sorted(targets) if target != module)
    return found


def import_cycles(lines: list[ImportLine]) -> list[list[ImportLine]]:
    """Each group of modules that import each other (through any chain), as the imports within it."""
    graph: dict[str, set[str]] = {}
    for line in lines:
        graph.setdefault(line.importer, set()).add(line.imported)
        graph.setdefault(line.imported, set())
    # Tarjan's strongly connected components, iterative (no recursion limit to meet).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)
    return [
        [line for line in lines if line.importer in group and line.imported in group]
        for group in sorted(groups, key=sorted)
    ]


def test_no_jobdeck_module_imports_itself_back_through_any_chain() -> None:
    cycles = import_cycles(import_lines(modules_under(SOURCE_ROOT, "jobdeck")))

    assert not cycles, "import cycles (each import of a cycle listed):\n" + "\n\n".join(
        "\n".join(f"  {line}" for line in cycle) for cycle in cycles
    )


# -- the check itself, on small packages made for it ---------------------------------------


def _package(root: Path, files: Mapping[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return modules_under(root, "pkg")


def test_a_cycle_through_a_lazy_import_and_one_under_type_checking_are_both_found(tmp_path: Path) -> None:
    modules = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/app.py": "def run():\n    from pkg.screen import Screen\n",
            "pkg/screen.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.app import App\n",
            "pkg/core.py": "from pkg import faults\n",
            "pkg/faults.py": "from . import core\n",
        },
    )

    cycles = import_cycles(import_lines(modules))

    assert [[str(line) for line in cycle] for cycle in cycles] == [
        ["pkg.app -> pkg.screen (line 2)", "pkg.screen -> pkg.app (line 3)"],
        ["pkg.core -> pkg.faults (line 1)", "pkg.faults -> pkg.core (line 1)"],
    ]


def test_a_package_importing_its_submodules_and_imports_pointing_one_way_are_no_cycle(tmp_path: Path) -> None:
    modules = _package(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.monitor.engine import Engine\n",
            "pkg/monitor/__init__.py": "from .engine import Engine\nfrom .events import Event\n",
            "pkg/monitor/engine.py": "from pkg.monitor.events import Event\nimport pkg.model\n",
            "pkg/monitor/events.py": "from pkg.model import Job\n",
            "pkg/model.py": "import json\n",
        },
    )

    assert import_cycles(import_lines(modules)) == []
