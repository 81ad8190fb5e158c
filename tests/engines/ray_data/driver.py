"""A Ray driver the tests submit as a job: three tasks that succeed and one that fails."""

import ray

ray.init()


@ray.remote
def double(x: int) -> int:
    return x * 2


@ray.remote(max_retries=0)
def broken() -> float:
    return 1 / 0


print("sum", sum(ray.get([double.remote(i) for i in range(3)])))
try:
    ray.get(broken.remote())
except ray.exceptions.RayTaskError:
    print("caught the broken task")
