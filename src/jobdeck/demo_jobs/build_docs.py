"""Demo job: succeeds after a few seconds of output, reporting its progress."""

import time

PAGES = ["index", "install", "config", "backends", "cli", "themes", "faq"]

print("building documentation", flush=True)
for number, page in enumerate(PAGES, start=1):
    time.sleep(0.8)
    print(f"[{number}/{len(PAGES)}] rendered {page}.html", flush=True)
    print(f"::jobdeck progress={100 * number / len(PAGES):.0f}", flush=True)
print(f"done: {len(PAGES)} pages written to site/", flush=True)
