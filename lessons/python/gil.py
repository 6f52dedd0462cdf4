# The notes' timing demo (note 002), run by the gil lesson with `python3 -c`:
# the same CPU job twice serially, in 2 threads and in 2 processes, each three
# times, and what starting a process costs beside it. Prints `name median
# fastest slowest` lines, in seconds.
import multiprocessing as mp
import platform
import sys
import threading
import time


def job(n, results):
    res = 0
    for i in range(n):
        res += i + i**2 + i**3
    results.put(res)


def timed(run, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    times.sort()
    return f"{times[repeats // 2]} {times[0]} {times[-1]}"


def process_start():
    p = mp.Process(target=time.sleep, args=(0,))
    p.start()
    p.join()


def normal(n):
    results = mp.Queue()
    job(n, results)
    job(n, results)


def in_parallel(make, n):
    results = mp.Queue()
    workers = [make(target=job, args=(n, results)) for _ in range(2)]
    for w in workers:
        w.start()
    total = results.get() + results.get()
    for w in workers:
        w.join()
    return total


if __name__ == "__main__":
    mp.set_start_method("fork")
    n = int(sys.argv[1])
    print("version", platform.python_version())
    print("serial", timed(lambda: normal(n)))
    print("threads", timed(lambda: in_parallel(threading.Thread, n)))
    print("processes", timed(lambda: in_parallel(mp.Process, n)))
    print("process_start", timed(process_start, repeats=5))
