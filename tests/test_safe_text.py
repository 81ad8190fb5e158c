"""safe_text: no escape sequence from a backend reaches the terminal; colours may."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.color import Color
from rich.style import Style
from rich.text import Text

from jobdeck.safe_text import (
    display_width,
    make_safe,
    safe_clipboard,
    safe_line,
    safe_message,
    to_plain,
    to_rich_text,
)


def span_styles(text: Text) -> list[Style]:
    """The styles of ``text``'s spans (to_rich_text only ever makes Style objects)."""
    styles = [span.style for span in text.spans]
    assert all(isinstance(style, Style) for style in styles)
    return styles  # type: ignore[return-value]


CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
NORMALISED_SGR = re.compile(r"\x1b\[[0-9;]*m")

HOSTILE = {
    "cursor move": "\x1b[10;20H",
    "clear screen": "\x1b[2J",
    "alternate screen": "\x1b[?1049h",
    "device status query": "\x1b[6n",
    "window title (BEL)": "\x1b]0;pwned\x07",
    "window title (ST)": "\x1b]2;pwned\x1b\\",
    "clipboard write": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "hyperlink open": "\x1b]8;;https://evil.example\x1b\\",
    "device control string": "\x1bPq#0;2;0;0;0#1;2;100;100;0\x1b\\",
    "start of string": "\x1bXhidden\x1b\\",
    "privacy message": "\x1b^hidden\x1b\\",
    "application program command": "\x1b_hidden\x1b\\",
    "save cursor": "\x1b7",
    "full reset": "\x1bc",
    "charset switch": "\x1b(0",
    "8-bit CSI": "\x9b2J",
    "8-bit OSC": "\x9d0;pwned\x9c",
    "8-bit C1 control": "\x85\x8d",
    "bell": "\x07",
    "backspace": "\x08",
    "delete": "\x7f",
    "null and vertical tab": "\x00\x0b\x0c",
    "xterm key-modifier mode": "\x1b[>4;2m",
}


@pytest.mark.parametrize("sequence", HOSTILE.values(), ids=HOSTILE.keys())
def test_every_hostile_sequence_is_removed_and_the_text_around_it_kept(sequence: str) -> None:
    text = to_rich_text(f"before{sequence}after")
    assert text.plain == "beforeafter"
    assert make_safe(f"before{sequence}after") == "beforeafter"


def test_a_hyperlink_keeps_its_label_but_not_its_target() -> None:
    raw = "see \x1b]8;;https://evil.example\x1b\\the docs\x1b]8;;\x1b\\ now"
    assert to_rich_text(raw).plain == "see the docs now"


def test_an_unterminated_sequence_at_the_end_is_dropped() -> None:
    assert to_rich_text("done\x1b[12").plain == "done"
    assert to_rich_text("done\x1b]0;title without end").plain == "done"
    assert to_rich_text("done\x1b").plain == "done"
    assert to_rich_text("done\x1bP unfinished").plain == "done"


def test_sgr_colours_and_attributes_become_styles() -> None:
    text = to_rich_text("\x1b[1;31mred\x1b[0m \x1b[3;4;7mfancy\x1b[22;23;24;27m plain")
    assert text.plain == "red fancy plain"
    red, fancy = text.spans
    red_style, fancy_style = span_styles(text)
    assert (red.start, red.end) == (0, 3)
    assert red_style.bold and red_style.color == Color.from_ansi(1)
    assert text.plain[fancy.start : fancy.end] == "fancy"
    assert fancy_style.italic and fancy_style.underline and fancy_style.reverse
    # The closing codes switch the attributes off again: " plain" has no span.
    assert all(span.end <= len("red fancy") for span in text.spans)


def test_256_colour_and_truecolour_foregrounds_and_backgrounds_are_kept() -> None:
    text = to_rich_text("\x1b[38;5;200;48;2;1;2;3mx\x1b[38:2::10:20:30my\x1b[92;104mz")
    x, y, z = span_styles(text)
    assert x.color == Color.from_ansi(200)
    assert x.bgcolor == Color.from_rgb(1, 2, 3)
    assert y.color == Color.from_rgb(10, 20, 30)
    assert z.color == Color.from_ansi(10) and z.bgcolor == Color.from_ansi(12)


def test_colours_are_dropped_when_not_kept() -> None:
    text = to_rich_text("\x1b[31mred\x1b[0m", keep_colour=False)
    assert text.plain == "red"
    assert text.spans == []


def test_carriage_return_keeps_the_text_written_last() -> None:
    assert to_rich_text("10%\r20%\r30%").plain == "30%"
    assert to_rich_text("progress\r\x1b[Kdone").plain == "done"


def test_a_trailing_carriage_return_erases_nothing() -> None:
    assert to_rich_text("windows line\r").plain == "windows line"
    assert make_safe("one\r\ntwo\r\n") == "one\ntwo\n"


def test_tabs_expand_to_the_next_multiple_of_eight() -> None:
    assert to_rich_text("a\tb").plain == "a       b"
    assert to_rich_text("12345678\tx").plain == "12345678        x"
    assert to_rich_text("\x1b[31mab\x1b[0m\tc").plain == "ab      c"
    assert make_safe("\tx") == "        x"


def test_make_safe_reemits_colour_normalised_and_resets_each_line() -> None:
    out = make_safe("\x1b[1;31merror\nstill red\x1b[m fine")
    assert out == "\x1b[0;1;31merror\x1b[0m\n\x1b[0;1;31mstill red\x1b[0m fine"


def test_make_safe_without_colour_has_no_escape_at_all() -> None:
    assert make_safe("\x1b[31mred\x1b[0m\n\x1b]0;t\x07ok", keep_colour=False) == "red\nok"


def test_clean_text_takes_the_fast_path_unchanged() -> None:
    line = "2026-01-01 12:00:00 INFO nothing special here"
    assert to_rich_text(line).plain == line
    assert make_safe(line + "\n" + line) == line + "\n" + line
    assert to_plain(line) is line


def test_display_width_counts_visible_cells_only() -> None:
    assert display_width("\x1b[31mred\x1b[0m") == 3
    assert display_width("a\tb") == 9
    assert display_width("日本") == 4


def test_ten_thousand_coloured_lines_convert_quickly() -> None:
    lines = [f"\x1b[32m{n:05d}\x1b[0m INFO step {n} \x1b[1mok\x1b[22m" for n in range(10_000)]
    started = time.perf_counter()
    for line in lines:
        to_rich_text(line)
    # Generous bound for slow CI machines; typically ~0.1 s.
    assert time.perf_counter() - started < 2.0


# Text built from the characters and fragments a hostile log is made of.
_FRAGMENTS = st.sampled_from(
    [*HOSTILE.values(), "\x1b[", "\x1b]", "\x1b", "\x9b", "\x1b[31m", "\x1b[38;5;", "\r", "\t", "\n", ";", "m", "\\"]
)
_HOSTILE_TEXT = st.lists(st.one_of(st.text(max_size=8), _FRAGMENTS), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(_HOSTILE_TEXT)
def test_no_control_character_ever_reaches_the_plain_text(raw: str) -> None:
    for keep_colour in (True, False):
        assert not CONTROL.search(to_rich_text(raw, keep_colour=keep_colour).plain)
    assert not CONTROL.search(to_plain(raw))


@settings(max_examples=400, deadline=None)
@given(_HOSTILE_TEXT)
def test_make_safe_emits_only_sgr_sequences_and_newlines(raw: str) -> None:
    assert "\x1b" not in make_safe(raw, keep_colour=False)
    assert not CONTROL.search(make_safe(raw, keep_colour=False).replace("\n", ""))
    coloured = make_safe(raw)
    assert not CONTROL.search(NORMALISED_SGR.sub("", coloured).replace("\n", ""))


# -- bidi controls, lone surrogates, messages and the clipboard -----------------------

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("control", list(BIDI_CONTROLS), ids=[f"U+{ord(c):04X}" for c in BIDI_CONTROLS])
def test_bidi_embeddings_overrides_and_isolates_are_removed(control: str) -> None:
    # A column cut before the closing mark would reorder the rest of the row.
    assert to_plain(f"invoice{control}fdp.exe") == "invoicefdp.exe"
    assert to_rich_text(f"a{control}b").plain == "ab"
    assert make_safe(f"a{control}b\nc") == "ab\nc"
    assert safe_line(f"a{control}b") == "ab"


def test_a_lone_surrogate_becomes_the_replacement_character_and_can_be_encoded() -> None:
    for made_safe in (to_plain("x\ud800y"), to_rich_text("x\udfffy").plain, make_safe("x\ud800y"),
                      safe_line("x\ud800y"), safe_message("x\ud800y"), safe_clipboard("x\ud800y")):
        assert made_safe == "x\ufffdy"
        made_safe.encode("utf-8")


def test_a_message_is_plain_text_with_line_breaks_and_no_escapes() -> None:
    message = safe_message("Copied [/tmp]\x1b]0;title\x07\u202eok\r\nnext\rline")
    assert message == "Copied [/tmp]ok\nnext line"  # a lone CR hides nothing


def test_a_long_message_is_cut_to_its_limit() -> None:
    message = safe_message("x" * 5000, limit=100)
    assert len(message) == 100 and message.endswith("…")


def test_the_clipboard_gets_one_printable_line() -> None:
    assert safe_clipboard("rm -rf ~\x1b[2K\rls\n\u202etxt") == "ls txt"
