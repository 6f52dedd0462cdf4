# pool-async: apply_async, then get() at once, in the loop that submits.
#
# Submit every task first, then get the results: the tasks run together.
import os
import time
from multiprocessing import Pool


def task(n):
    print("task", n, "starts in", os.getpid())
    time.sleep(0.5)
    return n * n


if __name__ == "__main__":
    start = time.time()
    with Pool(5) as pool:
        results = [pool.apply_async(task, (n,)) for n in range(5)]
        for result in results:
            print(result.get())
    print("took %.1f s" % (time.time() - start))
