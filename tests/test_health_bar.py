"""The backend health bar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from jobdeck.monitor.events import BackendHealth, HealthStatus
from jobdeck.ui.widgets.health_bar import HealthBar

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


HEALTH = {
    "local": BackendHealth("local", "local", HealthStatus.OK, last_ok=ago(2)),
    "drp": BackendHealth("drp", "drp", HealthStatus.DOWN, last_ok=ago(60), last_error="connection refused"),
    "julep": BackendHealth("julep", "julep", HealthStatus.DEGRADED, last_ok=ago(12), last_error="HTTP 503",
                           warnings=("TLS verification off",)),
    "istari": BackendHealth("istari", "istari", HealthStatus.STARTING),
}


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield HealthBar()

    @property
    def bar(self) -> HealthBar:
        return self.query_one(HealthBar)


async def shown(width: int, health: dict[str, BackendHealth], *, ascii: bool = False) -> str:
    app = BarApp()
    async with app.run_test(size=(width, 5)) as pilot:
        app.bar.now = NOW
        app.bar.ascii = ascii
        app.bar.health = health
        await pilot.pause()
        strip = app.bar.render_line(0)
        assert strip.cell_length == width
        return strip.text


async def test_every_backend_gets_a_badge_with_glyph_name_status_and_age_at_80_columns() -> None:
    text = await shown(80, {name: HEALTH[name] for name in ("local", "drp")})
    assert "● local ok " in text and "ok 2s" not in text  # answered just now: no age to read
    assert "✗ drp down 1m: connection refused" in text


async def test_a_healthy_backend_shows_its_age_only_once_its_last_answer_is_overdue() -> None:
    polled_every_2s = BackendHealth("local", "local", HealthStatus.OK, last_ok=ago(9), next_poll_in=2.0)
    assert "ok 9s" not in await shown(80, {"local": polled_every_2s})
    late = BackendHealth("local", "local", HealthStatus.OK, last_ok=ago(45), next_poll_in=2.0)
    assert "● local ok 45s" in await shown(80, {"local": late})
    polled_every_30s = BackendHealth("drp", "drp", HealthStatus.OK, last_ok=ago(45), next_poll_in=30.0)
    assert "ok 45s" not in await shown(80, {"drp": polled_every_30s})


async def test_a_crowded_bar_drops_error_text_first_then_ages_and_still_fits_80_columns() -> None:
    text = await shown(80, HEALTH)
    assert cell_len(text) == 80
    assert "connection refused" not in text
    for badge in ("● local ok", "✗ drp down", "◐ julep degraded", "◌ istari starting"):
        assert badge in text
    assert "⚠" in text


async def test_with_room_to_spare_errors_and_warnings_are_shown_in_full() -> None:
    text = await shown(160, HEALTH)
    assert "drp down 1m: connection refused" in text
    assert "julep degraded 12s: HTTP 503 ⚠ TLS verification off" in text


async def test_a_very_narrow_bar_is_cut_with_an_ellipsis() -> None:
    text = await shown(30, HEALTH)
    assert text.rstrip().endswith("…")
    assert text.startswith(" ● local  ✗ drp down")  # "ok" went first: the glyph says it


async def test_ascii_mode_uses_only_ascii() -> None:
    text = await shown(160, HEALTH, ascii=True)
    assert text.isascii()
    assert "+ local ok" in text and "x drp down" in text and "! TLS verification off" in text


async def test_error_text_is_made_terminal_safe() -> None:
    evil = {"drp": BackendHealth("drp", "drp", HealthStatus.DOWN, last_error="bad\x1b[2J\nthing")}
    text = await shown(80, evil)
    assert "\x1b" not in text and "\n" not in text
    assert "bad" in text


async def test_no_backends_says_so() -> None:
    text = await shown(80, {})
    assert "no backends configured" in text


async def test_replacing_the_health_dict_redraws_the_bar() -> None:
    app = BarApp()
    async with app.run_test(size=(80, 5)) as pilot:
        app.bar.now = NOW
        app.bar.health = {"local": HEALTH["local"]}
        await pilot.pause()
        assert "local ok" in app.bar.render_line(0).text
        app.bar.health = {"local": BackendHealth("local", "local", HealthStatus.DOWN, last_error="gone")}
        await pilot.pause()
        assert "local down: gone" in app.bar.render_line(0).text


# -- what each state reads like ------------------------------------------------------------------

NOT_ANSWERING = "no reply within 5 s (still waiting)"
REFUSED = "unreachable: julep: cannot connect to http://julep.test (connection refused)"

#: Each state of one backend, and the whole line it shows at 80 columns.
EVERY_STATE = {
    "starting": (BackendHealth("julep", "julep"), "◌ julep starting"),
    "ok": (BackendHealth("julep", "julep", HealthStatus.OK, last_ok=ago(1)), "● julep ok"),
    "ok, live updates reconnecting": (
        BackendHealth("julep", "julep", HealthStatus.OK, last_ok=ago(1), push_error="unreachable: stream broke"),
        "● julep ok · live updates reconnecting",
    ),
    "degraded": (
        BackendHealth("julep", "julep", HealthStatus.DEGRADED, last_ok=ago(12), last_error="HTTP 503"),
        "◐ julep degraded 12s: HTTP 503",
    ),
    "degraded, not answering": (
        BackendHealth("julep", "julep", HealthStatus.DEGRADED, last_ok=ago(7), last_error=NOT_ANSWERING),
        f"◐ julep degraded 7s: {NOT_ANSWERING}",
    ),
    "down, never answered": (
        BackendHealth("julep", "julep", HealthStatus.DOWN, last_error=REFUSED, push_error="unreachable: refused"),
        "✗ julep down: unreachable: julep: cannot connect to h…",  # error texts: 40 cells at most
    ),
    "down, not answering": (
        BackendHealth("julep", "julep", HealthStatus.DOWN, last_error=NOT_ANSWERING),
        f"✗ julep down: {NOT_ANSWERING}",
    ),
}


@pytest.mark.parametrize("state", list(EVERY_STATE))
async def test_every_state_reads_plainly_at_80_columns(state: str) -> None:
    health, line = EVERY_STATE[state]
    assert (await shown(80, {"julep": health})).strip() == line


async def test_a_crowded_bar_shortens_the_live_updates_note_but_keeps_it() -> None:
    demo = {
        name: BackendHealth(name, name, HealthStatus.OK, last_ok=ago(1))
        for name in ("local", "drp", "intuned", "istari")
    }
    demo["julep"] = BackendHealth("julep", "julep", HealthStatus.OK, last_ok=ago(1), push_error="timed out")
    text = await shown(80, demo)
    assert text.rstrip().endswith("● julep ok · no live updates")
    wide = await shown(120, demo)
    assert "● julep ok · live updates reconnecting" in wide
    assert "+ julep ok - no live updates" in await shown(80, demo, ascii=True)


FIVE_OK = {name: BackendHealth(name, name, HealthStatus.OK, last_ok=ago(1))
           for name in ("local", "drp", "intuned", "istari", "julep")}


@pytest.mark.parametrize(
    ("width", "line"),
    [
        (60, "● local ok  ● drp ok  ● intuned ok  ● istari ok  ● julep ok"),
        (45, "● local  ● drp  ● intuned  ● istari  ● julep"),
        (20, "● 5 ok"),
    ],
)
async def test_a_narrow_bar_drops_the_word_ok_then_counts_the_healthy_rather_than_cutting_a_name(width, line) -> None:
    assert (await shown(width, FIVE_OK)).strip() == line


async def test_the_backends_not_ok_keep_their_names_longest() -> None:
    health = dict(FIVE_OK)
    health["drp"] = BackendHealth("drp", "drp", HealthStatus.DOWN, last_ok=ago(60), last_error="refused")
    health["julep"] = BackendHealth("julep", "julep", HealthStatus.OK, last_ok=ago(1), warnings=("TLS off",))
    assert (await shown(30, health)).strip() == "● 4 ok ⚠  ✗ drp down"
    assert (await shown(16, health)).strip() == "● 4 ok ⚠  ✗ dr…"


async def test_a_shortened_error_takes_the_room_the_line_leaves() -> None:
    """At 50 columns the error's 40 cells do not fit, but more than its first 16 do: it is
    cut where the line ends, not at 16 cells with blank cells after it."""
    error = "unreachable: drp: cannot connect to http://127.0.0.1:32795 (connection refused)"
    down = {"drp": BackendHealth("drp", "drp", HealthStatus.DOWN, last_ok=ago(60), last_error=error)}
    text = await shown(50, down)
    assert text.startswith(" ✗ drp down 1m: unreachable: drp: cannot co")
    assert text.rstrip().endswith("…") and cell_len(text.rstrip()) >= 48
