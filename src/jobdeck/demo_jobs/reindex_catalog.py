"""Demo job: long and steady, a line every half second for ten minutes, with counts.

It reports its counts to the deck with ``::jobdeck`` lines (see
``jobdeck.local.progress``), so the deck shows them with a bar.
"""

import random
import time

TOTAL = 1200
rng = random.Random(42)

print(f"reindexing catalog: {TOTAL} items", flush=True)
print(f"::jobdeck succeeded=0 failed=0 total={TOTAL}", flush=True)
succeeded = failed = 0
for item in range(1, TOTAL + 1):
    time.sleep(0.5)
    if rng.random() < 0.02:
        failed += 1
        print(f"warning: item {item}: image missing, not indexed", flush=True)
    else:
        succeeded += 1
    print(f"processed {item}/{TOTAL} items", flush=True)
    print(f"::jobdeck succeeded={succeeded} failed={failed}", flush=True)
print("catalog reindexed", flush=True)
