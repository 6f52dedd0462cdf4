# The notes' CPU job in two threads and in two processes (notes 002): threads
# take turns under the GIL, processes run at once.
import threading
import time
from multiprocessing import Process


def job():
    res = 0
    for i in range(300000):
        res += i + i ** 2 + i ** 3
    return res


def timed(kind, make):
    start = time.time()
    workers = [make(target=job) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("%s: %.2f s" % (kind, time.time() - start))


if __name__ == "__main__":
    timed("threads", threading.Thread)
    timed("processes", Process)
