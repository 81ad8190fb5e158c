"""Text the deck draws (jobdeck.ui.deck_text) and text it shares with the CLI (jobdeck.present):
glyphs, words, ages, durations, bars, counts, safe text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len

from jobdeck import present
from jobdeck.model import Counts, JobState
from jobdeck.ui import deck_text

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def test_every_state_has_a_distinct_glyph_in_unicode_and_in_ascii() -> None:
    for table in (present.STATE_GLYPH, present.STATE_GLYPH_ASCII):
        assert set(table) == set(JobState)
        assert len(set(table.values())) == len(JobState)
        assert all(cell_len(glyph) == 1 for glyph in table.values())
    assert all(glyph.isascii() for glyph in present.STATE_GLYPH_ASCII.values())


def test_state_glyph_picks_the_table_and_state_word_is_the_filter_word() -> None:
    assert present.state_glyph(JobState.FAILED) == "✗"
    assert present.state_glyph(JobState.FAILED, ascii=True) == "x"
    assert present.state_word(JobState.FAILED) == "failed"
    assert present.state_word(JobState.SUCCEEDED) == "succeeded"


@pytest.mark.parametrize(
    ("seconds_ago", "expected"),
    [
        (0, "now"),
        (0.5, "now"),
        (-30, "now"),  # a backend clock slightly ahead of ours
        (12, "12s"),
        (59.9, "59s"),
        (60, "1m"),
        (5 * 60 + 59, "5m"),
        (3 * 3600 + 10, "3h"),
        (4 * 86400 + 7, "4d"),
        (800 * 86400, "2y"),
    ],
)
def test_age_is_compact(seconds_ago: float, expected: str) -> None:
    assert present.age(NOW - timedelta(seconds=seconds_ago), NOW) == expected


def test_age_of_a_missing_time_or_without_a_now_is_a_dash() -> None:
    assert present.age(None, NOW) == "—"
    assert present.age(NOW, None) == "—"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.42, "0.4s"),
        (0, "0.0s"),
        (12.7, "12s"),
        (5 * 60 + 3, "5m03s"),
        (2 * 3600 + 5 * 60 + 9, "2h05m"),
        (3 * 86400 + 4 * 3600 + 59, "3d04h"),
        (-5, "0.0s"),
    ],
)
def test_duration_is_compact(seconds: float, expected: str) -> None:
    assert deck_text.duration(seconds) == expected


def test_duration_of_nothing_is_a_dash() -> None:
    assert deck_text.duration(None) == "—"


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.33, 0.5, 0.999, 1.0, 1.7, -1.0, None])
@pytest.mark.parametrize("ascii", [False, True])
def test_bar_is_always_exactly_the_width_asked(fraction: float | None, ascii: bool) -> None:
    assert cell_len(deck_text.bar(fraction, 8, ascii=ascii)) == 8


def test_bar_fills_with_blocks_and_eighths() -> None:
    assert deck_text.bar(1.0, 4) == "████"
    assert deck_text.bar(0.0, 4) == "    "
    assert deck_text.bar(0.5, 4) == "██  "
    assert deck_text.bar(0.5625, 4) == "██▎ "  # 2.25 cells: two full and a quarter
    assert deck_text.bar(0.5, 4, ascii=True) == "##--"
    assert deck_text.bar(0.5, 0) == ""


def test_counts_text_shows_successes_failures_and_the_total() -> None:
    counts = Counts(total=12, succeeded=9, failed=1)
    assert present.counts_text(counts) == "9✓ 1✗ /12"
    assert present.counts_text(counts, ascii=True) == "9 ok 1 fail /12"
    assert present.counts_text(Counts(succeeded=3, failed=0)) == "3✓ 0✗"


def test_percent() -> None:
    assert deck_text.percent(45.7) == "45%"
    assert deck_text.percent(None) == "—"


def test_terminal_safe_removes_escape_sequences_and_control_characters() -> None:
    text = deck_text.terminal_safe("red \x1b[31mX\x1b[0m\x07 bell\tt\x9b")
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "\t" not in text
    assert text.startswith("red X")  # the whole sequence goes, not just its ESC


def test_one_line_joins_lines_and_is_terminal_safe() -> None:
    assert present.one_line("first\nsecond\r\n  third") == "first second third"
    assert present.one_line(None) == ""
    assert present.one_line("boom\x1b[31m  red\x1b[0m") == "boom red"


def test_truncate_marks_the_cut_with_an_ellipsis_and_respects_wide_characters() -> None:
    assert present.truncate("nightly build", 20) == "nightly build"
    assert present.truncate("nightly build", 8) == "nightly…"
    assert cell_len(present.truncate("日本語のジョブ", 5)) <= 5
    assert present.truncate("anything", 1) == "…"
    assert present.truncate("anything", 0) == ""


def test_fit_pads_to_exactly_the_width_on_either_side() -> None:
    assert present.fit("ab", 4) == "ab  "
    assert present.fit("ab", 4, align_right=True) == "  ab"
    assert present.fit("abcdef", 4) == "abc…"
