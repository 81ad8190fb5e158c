"""TLS verification, one setting for every HTTP backend: ``verify`` is true (the usual
certificate authorities), false (no verification: allowed, and always warned about),
or the path of a CA bundle (a private or self-signed authority)."""

from __future__ import annotations

import ssl
from pathlib import Path

from jobdeck.adapters.kit.http_errors import short
from jobdeck.errors import AdapterError

#: What ``verify`` holds once validated.
Verify = bool | Path

#: The standing warning of a backend whose certificates are not verified (shown beside its health).
TLS_OFF_WARNING = "TLS verification off"


def httpx_verify(verify: Verify | str) -> ssl.SSLContext | bool:
    """What httpx is given: its own default for true (certifi's authorities), no checks for
    false, a context trusting the bundle for a path; AdapterError for a bundle that cannot be used."""
    if isinstance(verify, bool):
        return verify
    return _with_bundle(str(verify))


def ssl_context(verify: Verify | str) -> ssl.SSLContext:
    """A client context for connections httpx does not make (websockets), verifying as ``verify`` says."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if verify is True:
        return ssl.create_default_context()
    return _with_bundle(str(verify))


def tls_words(verify: Verify | str) -> str:
    """How a backend's certificates are checked, for ``jobdeck info``."""
    if verify is False:
        return "verification OFF (verify = false)"
    if verify is True:
        return "verified"
    return f"verified with CA file {verify}"


def _with_bundle(path: str) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise AdapterError(f"cannot use the CA file {path}: {short(exc)}") from None
