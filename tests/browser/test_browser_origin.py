"""A page of another site, open in the same browser, gets nothing of the served deck.

The hostile page is served from another port of loopback (another origin) and knows the deck's
websocket URL, token included (the worst case). It tries what a page can: read the deck's page,
open its websocket, and frame it. Each is refused, and no deck process starts.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from cdp import wait_for
from deck_processes import free_port

HOSTILE_PAGE = """<!DOCTYPE html>
<html><body>
<script>
  window.results = {};
  fetch(%(deck)s).then(
    (answer) => answer.text().then((text) => { results.read = "read " + text.length + " characters"; }),
    (error) => { results.read = "refused: " + error; });
  const socket = new WebSocket(%(websocket)s);
  socket.onopen = () => { results.websocket = "open"; };
  socket.onclose = (event) => { results.websocket = results.websocket || "closed " + event.code; };
</script>
<iframe id="framed" src="%(deck_attribute)s" onload="results.frame = 'done'"></iframe>
</body></html>
"""


@pytest.fixture
def hostile_site(served) -> Iterator[str]:
    """The URL of another site's page that goes for the deck."""
    page = httpx.get(served.url, timeout=10).text
    websocket = html.unescape(re.search(r'data-session-websocket-url="([^"]*)"', page).group(1))
    body = HOSTILE_PAGE % {
        "deck": json.dumps(served.url),
        "websocket": json.dumps(websocket + "?width=80&height=24"),
        "deck_attribute": html.escape(served.url),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_a_page_from_another_origin_cannot_read_open_or_frame_the_deck(browser, served, hostile_site):
    decks_before = served.live_decks()
    tab = browser.new_tab(hostile_site)
    results = wait_for(
        lambda: (found := tab.evaluate("window.results")) and {"read", "websocket", "frame"} <= found.keys() and found,
        what="the hostile page's three attempts to finish",
    )
    assert results["read"].startswith("refused"), results  # the page answered 403, and the browser hid it too
    assert results["websocket"].startswith("closed"), results  # never opened: refused at the handshake
    frames = tab.call("Page.getFrameTree")["frameTree"].get("childFrames", [])
    assert frames and all(not frame["frame"]["url"].startswith(served.origin) for frame in frames), frames
    assert served.live_decks() == decks_before, "a page of another site started a deck"
    logs = "".join(path.read_text() for path in served.data_dir.glob("*.log*"))
    assert "page refused: requests from another site are refused" in logs
    assert "websocket refused: websockets from another site are refused" in logs
    tab.close()
