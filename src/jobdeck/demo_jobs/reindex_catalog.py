"""Demo job: long and steady, a line every half second for ten minutes, with counts."""

import random
import time

TOTAL = 1200
rng = random.Random(42)

print(f"reindexing catalog: {TOTAL} items", flush=True)
for item in range(1, TOTAL + 1):
    time.sleep(0.5)
    if rng.random() < 0.02:
        print(f"warning: item {item}: image missing, indexed without it", flush=True)
    print(f"processed {item}/{TOTAL} items", flush=True)
print("catalog reindexed", flush=True)
