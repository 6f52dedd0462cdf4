# pool-async (the notes' practice task 2): divide and conquer a big sum.
#
# map() sends every chunk at once: each worker sums its chunks while the
# others sum theirs, and the results come back in order.
import os
import time
from multiprocessing import Pool

N = 10_000_000
CHUNKS = 8


def partial(bounds):
    low, high = bounds
    return sum(i * i for i in range(low, high))


if __name__ == "__main__":
    chunks = [(k * N // CHUNKS, (k + 1) * N // CHUNKS) for k in range(CHUNKS)]
    start = time.perf_counter()
    serial = sum(partial(chunk) for chunk in chunks)
    print("serial: %d in %.2f s" % (serial, time.perf_counter() - start))
    with Pool(os.cpu_count()) as pool:
        start = time.perf_counter()
        total = sum(pool.map(partial, chunks))
        print("pool: %d in %.2f s" % (total, time.perf_counter() - start))
