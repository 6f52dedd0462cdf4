"""CPython's side of benches/pool.rs: the same measurements, printed as
`name seconds` lines (medians)."""
import statistics
import sys
import time
from multiprocessing import Pool, Process, set_start_method


def nap(t):
    time.sleep(t)
    return t


def nothing():
    pass


def main():
    set_start_method("fork")
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with Pool(5) as pool:
        pool.apply(nap, (0,))  # the workers are up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            results = [pool.apply_async(nap, (0.1,)) for _ in range(5)]
            for r in results:
                r.get()
            times.append(time.perf_counter() - start)
    print("pool_5x0.1s", statistics.median(times))
    times = []
    for _ in range(runs * 5):
        start = time.perf_counter()
        p = Process(target=nothing)
        p.start()
        p.join()
        times.append(time.perf_counter() - start)
    print("process_start_join", statistics.median(times))


if __name__ == "__main__":
    main()
