"""Terminal-safe text: what a backend wrote, minus anything a terminal would obey.

Logs and messages come from programs we do not control. A single stray
``ESC ] 52`` writes the user's clipboard, ``ESC [ 2 J`` clears their screen,
``ESC [ 6 n`` makes the terminal type a reply into our input. So every string
from a backend goes through here before it is drawn: SGR colour sequences are
parsed into styles (and may be kept), every other escape sequence and control
character is dropped.

We parse SGR ourselves instead of trusting ``rich.text.Text.from_ansi``: the
guarantee we need (no control character survives, ever) is easier to prove
about one small tokenizer than about a general ANSI decoder.

Pure: no Textual here, so the CLI (``jobdeck logs``) shares it with the UI.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from rich.cells import cell_len
from rich.color import Color
from rich.style import Style
from rich.text import Span, Text

from jobdeck.surrogates import REPLACEMENT, SURROGATE_RANGE

__all__ = [
    "display_width",
    "make_safe",
    "safe_clipboard",
    "safe_line",
    "safe_message",
    "to_plain",
    "to_rich_text",
]

TAB_SIZE = 8

# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069):
# they reorder the text after them ("Trojan Source"), and a column cut off before
# the closing mark lets one field reorder the rest of the row. Removed, not balanced.
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Any C0/C1 control, DEL, bidi control or lone surrogate (JSON "\ud800": no terminal,
# clipboard or file can take it; it becomes U+FFFD, see jobdeck.surrogates). A line
# without one takes the fast path.
_NEEDS_WORK = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{SURROGATE_RANGE}]")
# The same, newline excepted, for multi-line text.
_NEEDS_WORK_MULTILINE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}{SURROGATE_RANGE}]")

# One token per match; plain text lies between matches. Order matters: SGR
# before the general CSI, string sequences (OSC, DCS, SOS, PM, APC) before the
# generic ESC sequence.
_TOKEN = re.compile(
    # SGR: CSI, parameters made only of digits and separators, final "m".
    r"(?P<sgr>(?:\x1b\[|\x9b)(?P<params>[0-9;:]*)m)"
    # Any other CSI: parameter bytes, intermediate bytes, final byte. The final
    # byte is optional so a malformed or unterminated CSI is dropped whole.
    r"|(?P<csi>(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?)"
    # String sequences: OSC (ESC ]), DCS (ESC P), SOS (ESC X), PM (ESC ^),
    # APC (ESC _) and their 8-bit forms, up to BEL or ST. CAN/SUB abort them;
    # a new ESC ends them too (it is then parsed on its own); unterminated at
    # the end of the text, they swallow the rest.
    r"|(?P<string>(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\x18\x1a]*"
    r"(?:\x07|\x1b\\|\x9c|[\x18\x1a])?)"
    # Every other ESC sequence: intermediates then one final byte (ESC 7,
    # ESC c, ESC ( B, ESC # 8 ...); a lone ESC is dropped by itself.
    r"|(?P<esc>\x1b[\x20-\x2f]*[\x30-\x7e]?)"
    r"|(?P<tab>\t)"
    r"|(?P<cr>\r)"
    r"|(?P<newline>\n)"
    f"|(?P<surrogate>[{SURROGATE_RANGE}])"
    # Every remaining control: C0, DEL, C1 (backspace and BEL included), bidi controls.
    f"|[\x00-\x1f\x7f-\x9f{_BIDI}]"
)

# For make_safe: a line break with its optional carriage return.
_LINE_BREAK = re.compile(r"\r?\n")


# -- the style state SGR sequences change -------------------------------------

# A colour: an index into the 256-colour palette, or an (r, g, b) triple.
_Colour = int | tuple[int, int, int] | None


class _Pen(NamedTuple):
    """The attributes SGR sequences switch on and off (a tuple: cheap to hash and compare)."""

    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    reverse: bool = False
    strike: bool = False
    fg: _Colour = None
    bg: _Colour = None


_PLAIN_PEN = _Pen()

_ATTRIBUTE_ON = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 7: "reverse", 9: "strike", 21: "underline"}
_ATTRIBUTE_OFF = {
    22: ("bold", "dim"),
    23: ("italic",),
    24: ("underline",),
    27: ("reverse",),
    29: ("strike",),
}


@lru_cache(maxsize=1024)
def _apply_sgr(pen: _Pen, params: str) -> _Pen:
    """The pen after one SGR sequence's parameters (``"1;31"``, ``"38:2::1:2:3"``)."""
    if not params:
        return _PLAIN_PEN
    fields = params.split(";")
    index = 0
    while index < len(fields):
        field = fields[index]
        index += 1
        if ":" in field:
            # ITU T.416 form: one field carries its sub-parameters.
            head, *subs = field.split(":")
            code = _int(head)
            if code in (38, 48):
                pen = _with_colour(pen, code, _extended_colour(subs, colon_form=True))
            elif code == 4:
                # 4:0 is "no underline"; 4:1..4:5 are underline styles.
                pen = pen._replace(underline=bool(subs and _int(subs[0])))
            continue
        code = _int(field)
        if code is None:
            continue
        if code == 0:
            pen = _PLAIN_PEN
        elif code in _ATTRIBUTE_ON:
            pen = pen._replace(**{_ATTRIBUTE_ON[code]: True})
        elif code in _ATTRIBUTE_OFF:
            pen = pen._replace(**dict.fromkeys(_ATTRIBUTE_OFF[code], False))
        elif 30 <= code <= 37:
            pen = pen._replace(fg=code - 30)
        elif 40 <= code <= 47:
            pen = pen._replace(bg=code - 40)
        elif 90 <= code <= 97:
            pen = pen._replace(fg=code - 90 + 8)
        elif 100 <= code <= 107:
            pen = pen._replace(bg=code - 100 + 8)
        elif code == 39:
            pen = pen._replace(fg=None)
        elif code == 49:
            pen = pen._replace(bg=None)
        elif code in (38, 48):
            # Semicolon form: the colour's fields follow as separate parameters.
            kind = _int(fields[index]) if index < len(fields) else None
            size = {5: 2, 2: 4}.get(kind or -1, 1)
            pen = _with_colour(pen, code, _extended_colour(fields[index : index + size], colon_form=False))
            index += size
        # Anything else (blink, conceal, fonts, overline ...) is ignored.
    return pen


def _with_colour(pen: _Pen, code: int, colour: _Colour) -> _Pen:
    """``pen`` with the foreground (code 38) or background (48) set; unchanged for a bad colour."""
    if colour is None:
        return pen
    return pen._replace(fg=colour) if code == 38 else pen._replace(bg=colour)


def _extended_colour(fields: list[str], *, colon_form: bool) -> _Colour:
    """``5;n`` → palette index n; ``2;r;g;b`` (or ``2::r:g:b``) → an RGB triple."""
    if not fields:
        return None
    kind = _int(fields[0])
    if kind == 5 and len(fields) >= 2:
        number = _int(fields[1])
        return number if number is not None and 0 <= number <= 255 else None
    if kind == 2:
        values = fields[1:]
        # The colon form may carry a colour-space id before r:g:b.
        if colon_form and len(values) >= 4:
            values = values[1:]
        rgb = [_int(value) for value in values[:3]]
        if len(rgb) == 3 and all(v is not None and 0 <= v <= 255 for v in rgb):
            return (rgb[0], rgb[1], rgb[2])  # type: ignore[return-value]
    return None


def _int(text: str) -> int | None:
    if not text:
        return 0
    return int(text) if text.isdigit() and len(text) <= 6 else None


@lru_cache(maxsize=512)
def _rich_style(pen: _Pen) -> Style:
    """The Rich style of a pen. Unset attributes stay None so the widget's own style shows through."""
    return Style(
        bold=pen.bold or None,
        dim=pen.dim or None,
        italic=pen.italic or None,
        underline=pen.underline or None,
        reverse=pen.reverse or None,
        strike=pen.strike or None,
        color=_rich_colour(pen.fg),
        bgcolor=_rich_colour(pen.bg),
    )


def _rich_colour(colour: _Colour) -> Color | None:
    if colour is None:
        return None
    if isinstance(colour, tuple):
        return Color.from_rgb(*colour)
    return Color.from_ansi(colour)


@lru_cache(maxsize=512)
def _sgr_sequence(pen: _Pen) -> str:
    """A normalised SGR sequence that sets exactly ``pen`` from any state."""
    codes = ["0"]
    for name, code in (
        ("bold", "1"),
        ("dim", "2"),
        ("italic", "3"),
        ("underline", "4"),
        ("reverse", "7"),
        ("strike", "9"),
    ):
        if getattr(pen, name):
            codes.append(code)
    codes.extend(_colour_codes(pen.fg, foreground=True))
    codes.extend(_colour_codes(pen.bg, foreground=False))
    return "\x1b[" + ";".join(codes) + "m"


def _colour_codes(colour: _Colour, *, foreground: bool) -> list[str]:
    if colour is None:
        return []
    if isinstance(colour, tuple):
        return ["38" if foreground else "48", "2", *map(str, colour)]
    if colour < 8:
        return [str((30 if foreground else 40) + colour)]
    if colour < 16:
        return [str((90 if foreground else 100) + colour - 8)]
    return ["38" if foreground else "48", "5", str(colour)]


# -- the tokenizer -------------------------------------------------------------


def _parse_line(raw: str, pen: _Pen, keep_colour: bool) -> tuple[list[tuple[str, _Pen]], _Pen]:
    """Visible runs of one line with the pen each was written in, and the pen at the end.

    ``\\r`` rewinds: the text after the last carriage return wins (progress bars
    redraw their line), but a carriage return with nothing visible after it
    (``text\\r`` or ``\\r\\n``) rewinds nothing. Tabs expand to the next stop.
    """
    runs: list[tuple[str, _Pen]] = []
    rewind = False
    position = 0

    def add(text: str) -> None:
        nonlocal rewind
        if rewind:
            runs.clear()
            rewind = False
        runs.append((text, pen))

    for match in _TOKEN.finditer(raw):
        start = match.start()
        if start > position:
            add(raw[position:start])
        position = match.end()
        kind = match.lastgroup
        if kind == "sgr":
            if keep_colour:
                pen = _apply_sgr(pen, match.group("params"))
        elif kind == "tab":
            column = 0 if rewind else cell_len("".join(text for text, _ in runs))
            add(" " * (TAB_SIZE - column % TAB_SIZE))
        elif kind == "cr":
            rewind = True
        elif kind == "surrogate":
            add(REPLACEMENT)
        # Everything else (other escape sequences, controls, stray newlines) is dropped.
    if position < len(raw):
        add(raw[position:])
    return runs, pen


def to_rich_text(raw: str, *, keep_colour: bool = True) -> Text:
    """One line of backend text as a Rich ``Text`` with no control character in it.

    SGR colours and attributes become styles (or are dropped when
    ``keep_colour`` is False); every other escape sequence and control
    character is removed. Splitting on newlines is the caller's job: a stray
    ``\\n`` here is dropped like any other control.
    """
    if not _NEEDS_WORK.search(raw):
        return Text(raw, end="")
    runs, _ = _parse_line(raw, _PLAIN_PEN, keep_colour)
    plain_parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    previous_pen = _PLAIN_PEN
    for text, pen in runs:
        end = offset + len(text)
        if pen != _PLAIN_PEN:
            if spans and pen == previous_pen:
                # Same pen as the run before (a tab, a no-op SGR): grow its span.
                spans[-1] = Span(spans[-1].start, end, spans[-1].style)
            else:
                spans.append(Span(offset, end, _rich_style(pen)))
        plain_parts.append(text)
        previous_pen = pen
        offset = end
    return Text("".join(plain_parts), spans=spans, end="")


def _dropped(match: re.Match[str]) -> str:
    return REPLACEMENT if match.lastgroup == "surrogate" else ""


def to_plain(raw: str) -> str:
    """The visible text of one line, with nothing but printable characters."""
    if not _NEEDS_WORK.search(raw):
        return raw
    if "\t" not in raw and "\r" not in raw:
        # Without tabs and carriage returns every token is simply dropped
        # (a lone surrogate replaced).
        return _TOKEN.sub(_dropped, raw)
    runs, _ = _parse_line(raw, _PLAIN_PEN, keep_colour=False)
    return "".join(text for text, _ in runs)


def display_width(raw: str) -> int:
    """How many cells the line takes once made safe (tabs expanded, escapes gone)."""
    return cell_len(to_plain(raw))


def make_safe(raw: str, *, keep_colour: bool = True) -> str:
    """Backend text made safe to print to a terminal, newlines kept.

    Only SGR sequences survive, re-emitted in a normalised form (``ESC[0;…m``)
    and reset at the end of every line, so a colour never bleeds into the
    user's prompt; with ``keep_colour=False`` no escape sequence survives at all.
    """
    if not _NEEDS_WORK_MULTILINE.search(raw):
        return raw
    out: list[str] = []
    pen = _PLAIN_PEN
    for number, line in enumerate(_LINE_BREAK.split(raw)):
        if number:
            out.append("\n")
        runs, pen = _parse_line(line, pen, keep_colour)
        drawn = _PLAIN_PEN
        for text, run_pen in runs:
            if run_pen != drawn:
                out.append(_sgr_sequence(run_pen))
                drawn = run_pen
            out.append(text)
        if drawn != _PLAIN_PEN:
            out.append("\x1b[0m")
    return "".join(out)


def safe_line(raw: str | None) -> str:
    """Backend text for a one-line field: escapes and controls gone, line breaks as spaces."""
    if not raw:
        return ""
    return " ".join(to_plain(line) for line in _LINE_BREAK.split(raw.strip("\r\n"))).strip()


#: The longest message (a toast, a line on stderr) that quotes backend text:
#: an error body of a megabyte must not fill the screen.
MESSAGE_LIMIT = 1000


def safe_message(raw: object, *, limit: int = MESSAGE_LIMIT) -> str:
    """Any text for a message to the user (a toast, stderr): line breaks kept,
    every escape sequence, control and bidi control gone, at most ``limit``
    characters (cut with "…").

    The one place where text that may hold backend or file content becomes a
    message; it is plain text, so a caller must not then read it as markup.
    """
    # A lone carriage return would hide what came before it: a space instead.
    text = make_safe(str(raw).replace("\r\n", "\n").replace("\r", " "), keep_colour=False)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def safe_clipboard(raw: str) -> str:
    """Text for the clipboard: one line, printable only (no paste-jacking by a
    control character, a hidden line break or a bidi override)."""
    return safe_line(raw)
