# pool-async (the notes' practice task 2): divide and conquer a big sum.
#
# The sum is cut into chunks, but the pool gets them one at a time: apply()
# waits for each chunk's result before it sends the next.
# Goal: the right sum, and the pool faster than the serial sum.
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
        total = sum(pool.apply(partial, (chunk,)) for chunk in chunks)
        print("pool: %d in %.2f s" % (total, time.perf_counter() - start))
