# CPython's side of `cargo bench --bench coroutines`: 10 000 coroutines that
# each sleep 1 ms, spawned and finished; and a task switch (two tasks handing
# the loop to each other with `await asyncio.sleep(0)`). Medians, printed as
# `name seconds` lines.
import asyncio
import sys
import time


def median(runs, measure):
    times = sorted(measure() for _ in range(runs))
    return times[runs // 2]


def ten_thousand(n):
    async def sleeper():
        await asyncio.sleep(0.001)

    async def main():
        start = time.perf_counter()
        await asyncio.gather(*(asyncio.create_task(sleeper()) for _ in range(n)))
        return time.perf_counter() - start

    return asyncio.run(main())


def switches(n):
    async def player():
        for _ in range(n):
            await asyncio.sleep(0)

    async def main():
        start = time.perf_counter()
        await asyncio.gather(player(), player())
        return (time.perf_counter() - start) / (2 * n)

    return asyncio.run(main())


if __name__ == "__main__":
    n = int(sys.argv[1])
    print("tasks_10000", median(5, lambda: ten_thousand(n)))
    print("switch", median(5, lambda: switches(100_000)))
