"""Putting untrusted values in a URL path, and keeping credentials out of messages."""

from __future__ import annotations

from urllib.parse import quote

import httpx


def segment(value: object) -> str:
    """``value`` percent-encoded as one path segment: a ``/``, ``?``, ``#``, space or control
    character in an id is sent as part of it, never as a separator (nor as an invalid URL)."""
    return quote(str(value), safe="")


def web_page(base: str, *segments: object, fragment: bool = False) -> str:
    """A page of a backend's web UI: ``base`` (the configured URL, without credentials,
    query or fragment) then each of ``segments`` percent-encoded, after ``#/`` for a UI that routes in
    its fragment. Ids cannot break out of their segment, nor carry a quote or a bracket."""
    root = without_credentials(httpx.URL(base))
    return f"{root}/{'#/' if fragment else ''}{'/'.join(segment(part) for part in segments)}"


def path_only(path: str) -> str:
    """``path`` without its query string: query strings can carry credentials (DRP's ?token=)."""
    return path.split("?", 1)[0]


def without_credentials(url: httpx.URL) -> str:
    """``url`` as text without user, password, query or fragment (``#access_token=`` is a
    token too, and a page's path after a fragment would be no path)."""
    return str(url.copy_with(username=None, password=None, query=None, fragment=None)).rstrip("/")
