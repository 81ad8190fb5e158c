"""The adapter kit: what every adapter may build on, and nothing about any one backend.

- ``http``: ``HttpAdapter``, the base of HTTP adapters (constructor, ``connect()``,
  TLS and its warning, ``jobdeck info`` lines), with ``HttpClient`` and the helpers;
  ``http_settings``: ``HttpBackendSettings`` (base URL, ``verify``, ``timeout``,
  ``deadline``, ``max_response_mb``); ``tls``: what ``verify`` means.
- ``blocking``: ``run_blocking``, for adapters whose client library blocks (a thread,
  within a deadline).
- ``logtext``: logs kept as files, read from a byte offset without splitting a character.

Import each from its module: this package imports nothing, so an adapter that
reads files does not load httpx. How to write an adapter: ``docs/adapters.md``.
"""
