# CPython's start costs on this machine: start + join of a process that does
# nothing, under each start method, and of a thread. Run by the start-methods
# lesson with `python3 -c`; prints `name median fastest slowest` lines, in seconds.
import multiprocessing as mp
import platform
import threading
import time


def spread(runs, start_and_join):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        start_and_join()
        times.append(time.perf_counter() - start)
    times.sort()
    return f"{times[runs // 2]} {times[0]} {times[-1]}"


def process_start(method):
    ctx = mp.get_context(method)

    def start_and_join():
        p = ctx.Process(target=time.sleep, args=(0,))
        p.start()
        p.join()

    return start_and_join


def thread_start():
    t = threading.Thread(target=time.sleep, args=(0,))
    t.start()
    t.join()


if __name__ == "__main__":
    print("version", platform.python_version())
    for method, runs in (("fork", 9), ("spawn", 5), ("forkserver", 5)):
        start_and_join = process_start(method)
        start_and_join()  # forkserver starts its server on first use
        print(method, spread(runs, start_and_join))
    print("thread", spread(51, thread_start))
