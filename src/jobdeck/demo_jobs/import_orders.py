"""Demo job: fails with exit code 3 and an error on stderr."""

import sys
import time

print("connecting to orders database", flush=True)
time.sleep(1.0)
for batch in range(1, 4):
    print(f"imported batch {batch}: 250 orders", flush=True)
    time.sleep(0.7)
print("error: batch 4: order 1042 has no customer id (row 87 of orders-2026-01.csv)", file=sys.stderr, flush=True)
sys.exit(3)
