"""Demo job: long and steady, a line every half second for ten minutes, with counts.

It reports its counts to the deck with ``::jobdeck`` lines (see
``jobdeck.local.progress``), so the deck shows them with a bar. Those lines stay in the
log as printed, so it prints one every few items (two seconds) and after a failure,
not one per item.
"""

import random
import time

TOTAL = 1200
#: Items between two count lines (two seconds), besides one after each failure.
MARKER_EVERY = 4
rng = random.Random(42)

print(f"reindexing catalog: {TOTAL} items", flush=True)
print(f"::jobdeck succeeded=0 failed=0 total={TOTAL}", flush=True)
succeeded = failed = 0
for item in range(1, TOTAL + 1):
    time.sleep(0.5)
    if rng.random() < 0.02:
        failed += 1
        print(f"warning: item {item}: image missing, not indexed", flush=True)
        reported = True
    else:
        succeeded += 1
        reported = item % MARKER_EVERY == 0 or item == TOTAL
    print(f"processed {item}/{TOTAL} items", flush=True)
    if reported:
        print(f"::jobdeck succeeded={succeeded} failed={failed}", flush=True)
print("catalog reindexed", flush=True)
