"""In read-only mode an action key pressed in the deck is refused by the monitor's
gate and written to the action log as refused (README, Modes), and nothing
reaches a backend."""

from __future__ import annotations

import json
from pathlib import Path

from deck_helpers import sample_deck, wait_for_jobs
from fakes import wait_until

WIDE = (120, 40)


def logged(tmp_path: Path) -> list[tuple[str, str, str, str]]:
    path = tmp_path / "actions.jsonl"
    if not path.exists():
        return []
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    return [(e["backend"], e["action"], e["result"], e["message"]) for e in entries]


async def test_action_keys_pressed_in_read_only_mode_are_logged_as_refused(tmp_path: Path) -> None:
    app, adapters = sample_deck(tmp_path, read_only=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("r", "x")
        await wait_until(lambda: len(logged(tmp_path)) == 2, what="two refusals in the action log")

    assert {(action, result, message) for _, action, result, message in logged(tmp_path)} == {
        ("retry", "refused", "read-only mode"),
        ("cancel", "refused", "read-only mode"),
    }
    assert all(adapter.mutations == [] for adapter in adapters)
