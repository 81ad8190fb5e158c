"""A small client of the Chrome DevTools protocol: enough to open tabs, type, resize and read a page.

One websocket to the browser (``websockets``' sync client); a thread reads it and hands each
answer to the call waiting for it. Tabs are targets attached in "flat" mode, so every command
for a tab rides on the browser's one connection with the tab's ``sessionId``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from websockets.sync.client import connect

#: How long one DevTools command may take to be answered.
CALL_TIMEOUT_S = 30.0

#: DevTools' key descriptions of the keys the tests press that are not plain characters.
_KEYS = {
    "escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27},
    "enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "backspace": {"key": "Backspace", "code": "Backspace", "windowsVirtualKeyCode": 8},
}


class DevToolsError(RuntimeError):
    pass


class Browser:
    """The browser's DevTools connection (``ws://.../devtools/browser/...``)."""

    def __init__(self, url: str) -> None:
        self._socket = connect(url, max_size=None, open_timeout=20, ping_interval=None, legacy=True)
        self._ids = itertools.count(1)
        self._waiting: dict[int, Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._reader = threading.Thread(target=self._read, name="devtools-reader", daemon=True)
        self._reader.start()

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result; DevToolsError if the browser says it failed."""
        message: dict[str, Any] = {"id": next(self._ids), "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        answer: Future[dict[str, Any]] = Future()
        with self._lock:
            self._waiting[message["id"]] = answer
        self._socket.send(json.dumps(message))
        reply = answer.result(timeout=CALL_TIMEOUT_S)
        if "error" in reply:
            raise DevToolsError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def listen(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener`` (on the reader thread) with every event the browser sends."""
        self._listeners.append(listener)

    def new_tab(self, url: str = "about:blank", *, width: int = 1200, height: int = 800) -> Tab:
        target = self.call("Target.createTarget", {"url": "about:blank"})
        target_id = target["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        tab = Tab(self, target_id, session)
        tab.call("Page.enable")
        tab.call("Runtime.enable")
        # Each tab behaves as the focused one, though headless has no focus to give.
        tab.call("Emulation.setFocusEmulationEnabled", {"enabled": True})
        tab.resize(width, height)
        if url != "about:blank":
            tab.open(url)
        return tab

    def close(self) -> None:
        self._socket.close()
        self._reader.join(timeout=10)

    def _read(self) -> None:
        try:
            for raw in self._socket:
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        waiting = self._waiting.pop(message["id"], None)
                    if waiting is not None:
                        waiting.set_result(message)
                else:
                    for listener in self._listeners:
                        listener(message)
        except Exception as exc:  # the connection is gone: nobody's answer will come
            failure = exc
        else:
            failure = DevToolsError("the browser closed its DevTools connection")
        with self._lock:
            for waiting in self._waiting.values():
                waiting.set_exception(failure)
            self._waiting.clear()


class Tab:
    """One page of the browser."""

    def __init__(self, browser: Browser, target_id: str, session: str) -> None:
        self.browser = browser
        self.target_id = target_id
        self.session = session

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    def open(self, url: str) -> None:
        """Navigate to ``url`` and wait for its load event."""
        loaded = threading.Event()

        def on_event(message: dict[str, Any]) -> None:
            if message.get("sessionId") == self.session and message.get("method") == "Page.loadEventFired":
                loaded.set()

        self.browser.listen(on_event)
        try:
            navigated = self.call("Page.navigate", {"url": url})
            if "errorText" in navigated:
                raise DevToolsError(f"{url}: {navigated['errorText']}")
            if not loaded.wait(CALL_TIMEOUT_S):
                raise DevToolsError(f"{url} did not finish loading within {CALL_TIMEOUT_S} s")
        finally:
            self.browser._listeners.remove(on_event)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def type(self, text: str) -> None:
        """Type ``text`` as keystrokes into the focused element."""
        for character in text:
            self.press_key({"key": character, "text": character})

    def press(self, name: str) -> None:
        """Press a named key (``escape``, ``enter``, ``backspace``)."""
        self.press_key(_KEYS[name])

    def press_key(self, key: dict[str, Any]) -> None:
        self.call("Input.dispatchKeyEvent", {"type": "keyDown", **key})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", **{k: v for k, v in key.items() if k != "text"}})

    def resize(self, width: int, height: int) -> None:
        """Make the page's window ``width`` x ``height`` CSS pixels (the page gets a resize event)."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def screenshot(self) -> bytes:
        import base64

        return base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])

    def close(self) -> None:
        self.browser.call("Target.closeTarget", {"targetId": self.target_id})


def wait_for(check: Callable[[], Any], *, what: str, timeout: float = 30.0, every: float = 0.05) -> Any:
    """Poll ``check`` until it returns something true, and return that; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}; last saw {last!r}")
        time.sleep(every)
