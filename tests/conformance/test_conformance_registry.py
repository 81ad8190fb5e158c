"""The adapter kinds jobdeck knows are those its entry points name, each the
class the registry loads, and each has a kit here (so it runs this suite)."""

from __future__ import annotations

from importlib.metadata import entry_points

from kits import KITS

from jobdeck.adapters import registry

GROUP = "jobdeck.adapters"


def test_the_registry_knows_exactly_the_kinds_the_entry_points_name() -> None:
    assert set(registry.available_kinds()) == {point.name for point in entry_points(group=GROUP)}


def test_every_kind_has_a_kit_so_it_runs_the_conformance_suite() -> None:
    assert {kit.kind for kit in KITS} == set(registry.available_kinds())


def test_the_entry_point_and_the_registry_load_the_same_adapter(kind: str) -> None:
    (point,) = entry_points(group=GROUP, name=kind)
    adapter = registry.adapter_class(kind)
    assert point.load() is adapter
    assert adapter.kind == kind
