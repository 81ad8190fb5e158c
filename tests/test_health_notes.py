"""A backend's notes (facts, not problems: "2 workers online, 3 active tasks"): beside its
badge in a header wide enough for everything, and in full in the health detail (H)."""

from __future__ import annotations

from rich.console import Console

from jobdeck.monitor.events import BackendHealth, HealthStatus
from jobdeck.ui.screens.health_detail import health_table
from test_health_bar import NOW, ago, shown

WORKERS = "2 workers online, 3 active tasks"
TASKS = BackendHealth("tasks", "celery", HealthStatus.OK, last_ok=ago(1), notes=(WORKERS,))
DOWN = BackendHealth("drp", "drp", HealthStatus.DOWN, last_ok=ago(60), last_error="connection refused")


async def test_a_wide_header_tells_the_backends_notes_after_its_status() -> None:
    assert f"● tasks ok · {WORKERS}" in await shown(100, {"tasks": TASKS})


async def test_notes_are_the_first_to_go_when_the_header_is_narrow() -> None:
    text = await shown(60, {"tasks": TASKS, "drp": DOWN})

    assert "workers" not in text
    assert "✗ drp down 1m: connection refused" in text


async def test_in_ascii_the_note_is_set_off_by_a_dash() -> None:
    assert f"tasks ok - {WORKERS}" in await shown(100, {"tasks": TASKS}, ascii=True)


def test_the_health_detail_lists_each_note() -> None:
    console = Console(width=100, record=True, color_system=None)
    console.print(health_table({"tasks": TASKS}, NOW))

    assert any(line.split() == ["note", *WORKERS.split()] for line in console.export_text().splitlines())
