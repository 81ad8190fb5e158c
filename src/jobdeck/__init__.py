"""jobdeck: one terminal deck for every job backend."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # ``__version__`` is read from the installed metadata when first asked (not at every
    # start: importing the metadata machinery costs the deck's start a few milliseconds).
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("jobdeck")
        except PackageNotFoundError:
            found = "unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
