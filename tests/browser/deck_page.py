"""The served deck as a browser tab shows it: the text of its terminal, read from the page.

textual-serve's page draws the deck with xterm.js on a canvas, so the screen is not in the DOM.
Its script keeps the terminal in a closure, but its class is a variable of the closure that
``window.onresize`` closes over: DevTools reads that closure's scope, finds the class's one
instance with ``Runtime.queryObjects``, and keeps it as ``window.__jobdeckTerminal``, the
page's own for the tests. The lines are then xterm.js's buffer, exactly as parsed from what
the deck sent (no screenshot, no OCR).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cdp import Tab, wait_for

_READ_SCREEN = """(() => {
  const terminal = window.__jobdeckTerminal.terminal, buffer = terminal.buffer.active, lines = [];
  for (let row = 0; row < terminal.rows; row++) {
    const line = buffer.getLine(buffer.viewportY + row);
    lines.push(line ? line.translateToString(true, 0, terminal.cols) : "");  // a shrunk line keeps its old cells past cols
  }
  return {cols: terminal.cols, rows: terminal.rows, lines};
})()"""


class DeckPage:
    """A tab showing the served deck."""

    def __init__(self, tab: Tab) -> None:
        self.tab = tab

    def wait_until_drawn(self, text: str = "jobdeck", *, timeout: float = 60.0) -> list[str]:
        """Wait for the deck's first bytes, take hold of the terminal, and wait for ``text`` on screen."""
        # A page not yet held: after a reload, the old document may still show its deck for a moment.
        wait_for(
            lambda: self.tab.evaluate(
                "Boolean(document.body && document.body.classList.contains('-first-byte')"
                " && window.__jobdeckTerminal === undefined && typeof window.onresize === 'function')"
            ),
            what="the deck's first bytes on the page",
            timeout=timeout,
        )
        self._hold_terminal()
        self.tab.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        return self.wait_for_text(text, timeout=timeout)

    def screen(self) -> dict[str, Any]:
        """``{"cols", "rows", "lines"}``: the terminal's size and each line of its screen."""
        return self.tab.evaluate(_READ_SCREEN)

    def lines(self) -> list[str]:
        return self.screen()["lines"]

    def text(self) -> str:
        return "\n".join(self.lines())

    def wait_for_text(self, text: str, *, timeout: float = 30.0) -> list[str]:
        """The screen's lines once ``text`` shows on it."""
        return self.wait_for_screen(lambda lines: text in "\n".join(lines), what=repr(text), timeout=timeout)

    def wait_for_screen(self, check: Callable[[list[str]], Any], *, what: str, timeout: float = 30.0) -> list[str]:
        """The screen's lines once ``check(lines)`` holds; on time out the error shows the last screen."""
        seen: list[str] = []

        def holds() -> bool:
            seen[:] = self.lines()
            return bool(check(seen))

        try:
            wait_for(holds, what=what, timeout=timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen:\n" + "\n".join(seen)) from None
        return seen

    def type(self, text: str) -> None:
        self.tab.type(text)

    def press(self, key: str) -> None:
        self.tab.press(key)

    def selected_row(self) -> str:
        """The job list's row under the cursor (drawn with ``▌`` at its left edge)."""
        rows = [line for line in self.lines() if line.startswith("│▌")]
        return rows[0] if rows else ""

    def _hold_terminal(self) -> None:
        tab = self.tab
        handler = tab.call("Runtime.evaluate", {"expression": "window.onresize"})["result"]["objectId"]
        internal = tab.call("Runtime.getProperties", {"objectId": handler, "ownProperties": True})
        scopes = next(p for p in internal["internalProperties"] if p["name"] == "[[Scopes]]")["value"]["objectId"]
        for scope in tab.call("Runtime.getProperties", {"objectId": scopes, "ownProperties": True})["result"]:
            if "objectId" not in scope["value"]:
                continue
            names = tab.call("Runtime.getProperties", {"objectId": scope["value"]["objectId"], "ownProperties": True})
            for variable in names["result"]:
                value = variable.get("value", {})
                if value.get("type") != "function" or "objectId" not in value:
                    continue
                prototype = tab.call(
                    "Runtime.callFunctionOn",
                    {"objectId": value["objectId"], "functionDeclaration": "function () { return this.prototype; }"},
                )["result"]
                if "objectId" not in prototype:
                    continue
                found = tab.call("Runtime.queryObjects", {"prototypeObjectId": prototype["objectId"]})["objects"]
                held = tab.call(
                    "Runtime.callFunctionOn",
                    {
                        "objectId": found["objectId"],
                        "functionDeclaration": """function () {
                            const client = Array.from(this).find((o) => o && o.terminal && o.terminal.buffer);
                            if (client) window.__jobdeckTerminal = client;
                            return Boolean(client);
                        }""",
                        "returnByValue": True,
                    },
                )["result"]["value"]
                if held:
                    return
        raise AssertionError("found no xterm.js terminal in textual-serve's page")
