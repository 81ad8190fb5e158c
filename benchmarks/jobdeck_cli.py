"""``python -m jobdeck`` with the benchmark's ``bench`` backend kind registered, as a
plugin would be: the same CLI and deck, one more adapter kind."""

from __future__ import annotations

import backend  # noqa: F401  (registers the "bench" kind)
from jobdeck.cli import main

if __name__ == "__main__":
    main()
