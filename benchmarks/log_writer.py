"""A fire-hose: append numbered lines to a file at a fixed rate, in 10 ms batches.

Usage: log_writer.py PATH LINES_PER_SECOND SECONDS TIMELINE_JSON
Writes to TIMELINE_JSON, at the end, [first line number, time.monotonic()] per batch.
"""

from __future__ import annotations

import json
import sys
import time

from datafiles import log_line


def main() -> None:
    path, rate, seconds, timeline_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    batch = max(1, rate // 100)
    timeline: list[tuple[int, float]] = []
    number = 0
    started = time.monotonic()
    with open(path, "ab", buffering=0) as handle:
        while (now := time.monotonic()) - started < seconds:
            due = int((now - started) * rate)
            if number < due:
                count = min(due - number, batch * 4)
                data = "".join(log_line(n) for n in range(number, number + count)).encode()
                timeline.append((number, time.monotonic()))  # before the write: no lag is hidden
                handle.write(data)
                number += count
            time.sleep(max(0.0, started + (number + batch) / rate - time.monotonic()))
    with open(timeline_path, "w") as out:
        json.dump(timeline, out)


if __name__ == "__main__":
    main()
