# gil: make the notes' CPU job faster (notes 002).
#
# Two threads of one process take turns holding the GIL: the job takes as
# long as running it twice in a row.
# Goal: the parallel run faster than the serial one, on this machine's cores.
import threading
import time

N = 2_000_000


def job():
    res = 0
    for i in range(N):
        res += i + i ** 2 + i ** 3
    return res


if __name__ == "__main__":
    start = time.perf_counter()
    job()
    job()
    print("serial: %.2f s" % (time.perf_counter() - start))
    start = time.perf_counter()
    workers = [threading.Thread(target=job) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("parallel: %.2f s" % (time.perf_counter() - start))
