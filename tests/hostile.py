"""Hostile backend text: a string that tries everything, a wrapper that puts it into
every string an emulator sends, and checks that nothing of it reaches the terminal
or the clipboard in a form the terminal would obey.

The suffix is appended to every JSON string an emulator answers with (dates and
UUIDs excepted: a broken one of those is a malformed answer, not hostile text),
and removed again from what the adapter sends back (paths, queries, bodies), so
the deck works on the hostile jobs as on any others: it lists them, opens them,
acts on them.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

#: Everything backend text may try on a terminal, Textual's markup and a paste.
HOSTILE = (
    " [/tmp] [b]bold[/b] [@click=app.quit]quit[/] [link=https://evil.example]link[/link] [bad"
    "\x1b]0;XTITLE\x07"  # OSC 0: the window title
    "\x1b]52;c;WFBXTg==\x07"  # OSC 52: the clipboard
    "\x1b[2J\x1b[6n"  # clear the screen; ask the terminal to type a reply
    "\x9b2J\x9d0;XTITLE\x9c"  # the same in 8-bit C1 form
    "\u202eRTL\u202c\u2066ISO\u2069"  # bidi override and isolate
    "\ud800"  # a lone surrogate
    "\x00\x08\x7f"  # NUL, backspace, DEL
    "\r\nsecond line"
)

#: What of HOSTILE may never be seen anywhere, in any form.
NEVER_SHOWN = ("XTITLE", "WFBXTg")

_DATE = re.compile(r"^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: How an adapter may send HOSTILE back once it has made the lone surrogate safe.
_SENT_BACK = (HOSTILE, HOSTILE.replace("\ud800", "\ufffd"))


def poisoned(value: Any) -> Any:
    """``value`` (decoded JSON) with HOSTILE appended to every string but dates and UUIDs."""
    if isinstance(value, str):
        return value if _DATE.match(value) or _UUID.match(value) else value + HOSTILE
    if isinstance(value, list):
        return [poisoned(item) for item in value]
    if isinstance(value, dict):
        return {key: poisoned(item) for key, item in value.items()}
    return value


def cleaned(value: Any) -> Any:
    """``value`` with every HOSTILE (as sent, or as an adapter sends it back) removed."""
    if isinstance(value, str):
        for form in _SENT_BACK:
            value = value.replace(form, "")
        return value
    if isinstance(value, list):
        return [cleaned(item) for item in value]
    if isinstance(value, dict):
        return {key: cleaned(item) for key, item in value.items()}
    return value


class HostileJson:
    """ASGI middleware: poisons the JSON an app answers with, cleans what it is sent."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/_emulator"):
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        path = cleaned(scope["path"])
        scope["path"] = path
        scope["raw_path"] = quote(path).encode()
        query = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
        scope["query_string"] = urlencode([(k, cleaned(v)) for k, v in query]).encode()

        async def clean_receive() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request" and message.get("body"):
                try:
                    body = json.loads(message["body"])
                except ValueError:
                    return message
                message = {**message, "body": json.dumps(cleaned(body)).encode()}
            return message

        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def poison_send(message: dict[str, Any]) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if b"json" not in headers.get(b"content-type", b""):
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            try:
                body = json.dumps(poisoned(json.loads(body))).encode()
            except ValueError:
                pass  # a malformed body (a fault) goes as it is
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, clean_receive, poison_send)


def poison(emulator: Any) -> Any:
    """``emulator`` serving through HostileJson (in-process transport and ``running`` alike)."""
    emulator.__dict__["app"] = HostileJson(emulator.app)
    return emulator


# -- what may reach a terminal ----------------------------------------------------

#: What Textual itself writes for a frame: SGR colours and cursor moves.
_TEXTUAL_SEQUENCE = re.compile(r"\x1b\[[0-9;:]*m|\x1b\[\d+;\d+H")
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def unsafe_parts(output: str, *, terminal_sequences: bool = False, payloads: bool = True) -> list[str]:
    """What in ``output`` a terminal would obey or cannot show: escapes, controls,
    bidi controls, lone surrogates, and any trace of HOSTILE's hidden payloads.

    ``terminal_sequences``: ``output`` is what Textual writes, whose own
    sequences are allowed (HOSTILE's never match them). ``payloads``: look for
    the hidden payloads' words too (not in JSON, where they are escaped and inert).
    """
    if terminal_sequences:
        output = _TEXTUAL_SEQUENCE.sub("", output)
    found = [repr(match.group()) for match in _UNSAFE.finditer(output)]
    if payloads:
        found += [word for word in NEVER_SHOWN if word in output]
    return found


def terminal_output(app: Any) -> str:
    """What Textual would write to the terminal for the whole current screen now."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console)
