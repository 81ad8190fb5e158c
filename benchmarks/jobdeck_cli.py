"""``python -m jobdeck`` with the benchmark's ``bench`` backend kind registered, as a
plugin would be: the same CLI and deck, one more adapter kind."""

from __future__ import annotations

from jobdeck import startup

if __name__ == "__main__":
    # As `jobdeck` does, start-up begins before the imports (the bench kind's among them).
    startup.begin()
    import backend  # noqa: F401  (registers the "bench" kind)
    from jobdeck.__main__ import main

    main()
