# The coroutines lesson's measured scenes in CPython, run with `python3 -c`:
# `<mode> [n] <speed>`. Sleeps are divided by the lesson's speed, as the
# lesson's are, and times reported in lesson seconds (real × speed); start-up
# times in real seconds. Prints `name value` lines.
import asyncio
import logging
import platform
import re
import sys
import time


async def heartbeat(stop, speed):
    loop = asyncio.get_running_loop()
    worst = 0.0
    while not stop.is_set():
        due = loop.time() + 0.1 / speed
        await asyncio.sleep(0.1 / speed)
        worst = max(worst, loop.time() - due)
    return worst * speed


def with_heartbeat(coroutine, speed, debug=False):
    """Runs gather(coroutine(1..3)) beside a heartbeat: (seconds, worst lateness)."""
    async def main():
        stop = asyncio.Event()
        beat = asyncio.create_task(heartbeat(stop, speed))
        start = time.perf_counter()
        await asyncio.gather(coroutine(1), coroutine(2), coroutine(3))
        took = (time.perf_counter() - start) * speed
        stop.set()
        return took, await beat
    return asyncio.run(main(), debug=debug)


def gather(speed):
    async def coroutine(n):
        await asyncio.sleep(1 / speed)

    async def main():
        await asyncio.gather(coroutine(1), coroutine(2), coroutine(3))

    start = time.perf_counter()
    asyncio.run(main())
    print("gather", (time.perf_counter() - start) * speed)


class Warnings(logging.Handler):
    """Keeps what asyncio's debug mode logs about slow steps."""
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def blocking(speed):
    async def coroutine(n):
        time.sleep(1 / speed)

    warnings = Warnings()
    logger = logging.getLogger("asyncio")
    logger.addHandler(warnings)
    logger.propagate = False
    # Debug mode warns of a step slower than 0.1 s; on the lesson's clock that is 0.1 / speed.
    asyncio.BaseEventLoop.slow_callback_duration = 0.1 / speed
    took, late = with_heartbeat(coroutine, speed, debug=True)
    slow = [re.sub(r" coro=.*(?= took )", " …>", m) for m in warnings.messages if m.startswith("Executing")]
    print("blocking", took)
    print("late", late)
    print("warnings", len(slow))
    if slow:
        print("warning", slow[0].replace("\n", " "))


def fixes(speed):
    async def asleep(n):
        await asyncio.sleep(1 / speed)

    async def in_a_thread(n):
        await asyncio.to_thread(time.sleep, 1 / speed)

    for name, coroutine in (("sleep", asleep), ("to_thread", in_a_thread)):
        took, late = with_heartbeat(coroutine, speed)
        print(name, took)
        print(name + "_late", late)


def resident():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def scale(n, speed):
    async def sleeper(all_in):
        await all_in.wait()
        await asyncio.sleep(1 / speed)

    async def main():
        all_in = asyncio.Barrier(n + 1)
        before = resident()
        start = time.perf_counter()
        tasks = [asyncio.create_task(sleeper(all_in)) for _ in range(n)]
        await all_in.wait()
        print("started", time.perf_counter() - start)
        print("memory", resident() - before)
        await asyncio.gather(*tasks)
        print("done", (time.perf_counter() - start) * speed)

    asyncio.run(main())


if __name__ == "__main__":
    print("version", platform.python_version())
    mode, args = sys.argv[1], [float(a) for a in sys.argv[2:]]
    if mode == "scale":
        scale(int(args[0]), args[1])
    else:
        {"gather": gather, "blocking": blocking, "fixes": fixes}[mode](args[0])
