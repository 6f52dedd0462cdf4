# A plausible wrong fix (the tests check that its verdict says why): apply() instead: it waits for each task too.
# pool-async: apply_async, then get() at once, in the loop that submits.
#
# get() waits for the task's result, so each task is submitted only when the
# one before has finished: five tasks take five times as long as one.
# Goal: the five tasks run at the same time, and the results 0 1 4 9 16 are
# printed in order.
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
        for n in range(5):
            print(pool.apply(task, (n,)))
    print("took %.1f s" % (time.time() - start))
