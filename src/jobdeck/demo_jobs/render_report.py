"""Demo job: coloured output (ANSI SGR), as test runners and build tools print it."""

import time

GREEN, RED, YELLOW, BLUE, BOLD, DIM, RESET = (
    "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[1m", "\x1b[2m", "\x1b[0m",
)

CHECKS = [
    ("revenue totals", "ok"),
    ("currency rounding", "ok"),
    ("late invoices", "warn"),
    ("regional breakdown", "ok"),
    ("chart rendering", "ok"),
    ("appendix links", "warn"),
    ("summary table", "ok"),
]

print(f"{BOLD}{BLUE}render-report{RESET} {DIM}quarterly report, 7 checks{RESET}", flush=True)
for name, verdict in CHECKS:
    time.sleep(1.5)
    if verdict == "ok":
        print(f"  {GREEN}✓{RESET} {name}", flush=True)
    else:
        print(f"  {YELLOW}!{RESET} {name} {DIM}(see notes){RESET}", flush=True)
warnings = sum(1 for _, verdict in CHECKS if verdict == "warn")
print(f"{BOLD}{GREEN}report ready{RESET}: {len(CHECKS) - warnings} ok, {YELLOW}{warnings} warnings{RESET}, {RED}0 errors{RESET}", flush=True)
