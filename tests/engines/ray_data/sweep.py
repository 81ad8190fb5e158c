"""A Ray driver for the deck's screenshot: 40 trials of a small sweep, three of which fail
(caught), so the job succeeds with failed tasks among its counts."""

import argparse

import ray

parser = argparse.ArgumentParser()
parser.add_argument("--trials", type=int, default=40)
parser.add_argument("--api-token", default="")
args = parser.parse_args()
ray.init()


@ray.remote(max_retries=0)
def trial(n: int) -> float:
    if n in (7, 19, 31):
        raise ValueError(f"trial {n}: loss is NaN (lr too high)")
    return round(1.0 / (1 + n), 4)


refs = [trial.remote(n) for n in range(args.trials)]
best, failed = None, 0
for n, ref in enumerate(refs):
    try:
        loss = ray.get(ref)
        print(f"trial {n:02d}: loss={loss}")
        best = loss if best is None else min(best, loss)
    except ray.exceptions.RayTaskError:
        failed += 1
        print(f"trial {n:02d}: failed (loss is NaN)")
print(f"best loss {best}, {failed} of {args.trials} trials failed")
