"""``jobdeck serve``: the deck in a browser, through textual-serve.

textual-serve runs one deck process per browser tab and relays its screen
over a websocket. The deck it starts is read-only unless the user asks for
actions: a browser view is easy to share, so it must not be able to archive
or cancel by default.

Who may look is decided here, in plain functions (the aiohttp side is in
``serve_server``, imported only when the server starts; no Textual import):

- a request that carries an ``Origin`` must come from the served page's own
  origin, so no other web page can drive the deck through the visitor's browser;
- the websocket always carries the run's token in its path (the page embeds it),
  and always an ``Origin``: browsers send one, and only a browser page uses it;
- the page itself needs ``?token=`` unless the server is bound to loopback and
  reached under a loopback name (a DNS-rebound name is not one), or
  ``--require-token`` asks for it everywhere.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import shlex
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
#: textual-serve's script tag in its page (and template).
_TEXTUAL_SCRIPT = re.compile(r'<script src="[^"]*js/textual\.js"></script>')


def deck_command(
    *,
    config_path: Path | None,
    allow_actions: bool,
    kiosk: bool = False,
    theme: str | None = None,
    ascii: bool | None = None,
    view: str | None = None,
    python: str | None = None,
) -> str:
    """The shell command textual-serve runs for each browser session.

    ``exec``: the shell becomes the deck, so the process textual-serve holds is the deck itself
    (waited for, or killed, when its session ends).
    """
    args = [python or sys.executable, "-m", "jobdeck"]
    if config_path is not None:
        args += ["--config", str(Path(config_path).expanduser().resolve())]
    if kiosk:
        args.append("--kiosk")
    elif not allow_actions:
        args.append("--read-only")
    if theme:
        args += ["--theme", theme]
    if ascii is not None:
        args.append("--ascii" if ascii else "--no-ascii")
    if view:
        args += ["--view", view]
    return "exec " + shlex.join(args)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen_host(text: str) -> str:
    """The address to listen on, from ``--host``: an IP address (brackets allowed) or a host name.

    ValueError with a short reason otherwise.
    """
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    if not host or len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"{text!r} is neither an IP address nor a host name")
    return host


def token_required(host: str, *, require_token: bool = False) -> bool:
    """Whether the page needs the token: always off loopback, where anyone on the network may reach it."""
    return require_token or not is_loopback(host)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


#: textual-serve's page says only "Session ended." when its deck ends (q, or the server stopped).
_ENDED_MESSAGE = '<div class="message">Session ended.</div>'
_ENDED_BUTTON = '<button type="button" onClick="refresh()">Restart</button>'
#: What jobdeck's page says instead: why it ended, and the way back.
ENDED_MESSAGE = (
    '<div class="message">This deck has ended: <span id="jobdeck-ended-why">q quits it, and so does stopping'
    " jobdeck serve</span>.<br>Your jobs go on: nothing was stopped but the deck.</div>"
)
ENDED_BUTTON = '<button type="button" onClick="refresh()">Open a new deck</button>'
#: Before textual-serve's script: the websocket it opens shows the reason serve closes it with
#: (``ended_reason``) in the message above, in place of the general sentence.
ENDED_REASON_SCRIPT = """<script>
      (() => {
        const Native = window.WebSocket;
        class ReasonedWebSocket extends Native {
          constructor(...args) {
            super(...args);
            this.addEventListener("close", (event) => {
              const why = document.getElementById("jobdeck-ended-why");
              if (why && event.reason) why.textContent = event.reason;
            });
          }
        }
        window.WebSocket = ReasonedWebSocket;
      })();
    </script>
    """


def page_with_messages(html: str) -> str:
    """textual-serve's page with jobdeck's message for a deck that has ended (its reason, and its button).

    ``html`` is the page or its template (the script goes before textual-serve's, in either).
    """
    html = html.replace(_ENDED_MESSAGE, ENDED_MESSAGE).replace(_ENDED_BUTTON, ENDED_BUTTON)
    return _TEXTUAL_SCRIPT.sub(lambda found: ENDED_REASON_SCRIPT + found.group(0), html, count=1)


def ended_reason(returncode: int | None) -> str:
    """Why a deck ended, from its process's exit status, as the page shows it (ASCII, under 123 bytes)."""
    if returncode is None or returncode == 0:
        return "it was quit (q)"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"its process was killed ({name})"
    return f"its process failed (exit status {returncode}; jobdeck's log says why)"


#: Why every deck ends when jobdeck serve stops.
SERVE_STOPPED = "jobdeck serve stopped"


def host_and_port(host: str, port: int) -> str:
    """``host:port`` as in a URL (``[::1]:8000``)."""
    return base_url(host, port).removeprefix("http://")


def _host_name(host_header: str) -> str:
    """The name part of a ``Host`` header (``[::1]:8000`` -> ``::1``)."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


@dataclass(frozen=True)
class Access:
    """The rules of one ``jobdeck serve`` run. Each check returns why a request is refused, or None."""

    token_required: bool
    token: str = field(default_factory=new_token, repr=False)

    def token_matches(self, given: str | None) -> bool:
        # Constant time, on bytes: a non-ASCII guess must not raise.
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def page_refusal(self, *, scheme: str, host: str, origin: str | None, token: str | None) -> str | None:
        if origin is not None and not _same_origin(origin, scheme, host):
            return "requests from another site are refused"
        if self.token_matches(token):
            return None
        if self.token_required:
            if token is None:
                return "this page needs the token printed when jobdeck serve started (open the URL it printed)"
            return "wrong token: open the URL jobdeck serve printed when it started"
        if not is_loopback(_host_name(host)):
            return "reach this deck as localhost or 127.0.0.1, or start jobdeck serve with --require-token"
        return None

    def websocket_refusal(self, *, scheme: str, host: str, origin: str | None, token: str | None) -> str | None:
        if origin is None or not _same_origin(origin, scheme, host):
            return "websockets from another site are refused"
        if not self.token_matches(token):
            return "wrong token: reload the page from the URL jobdeck serve printed"
        return None

    def page_url(self, host: str, port: int) -> str:
        """The URL to open, printed at start: the only place the token is written."""
        url = base_url(host, port) + "/"
        return f"{url}?token={self.token}" if self.token_required else url

    def redact(self, text: str) -> str:
        return text.replace(self.token, "<token>")


def _same_origin(origin: str, scheme: str, host: str) -> bool:
    return origin.lower() == f"{scheme}://{host}".lower()
