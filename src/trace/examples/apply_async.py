# Pool.apply runs tasks one after another; apply_async together (notes 000).
import time
from multiprocessing import Pool


def task(n):
    time.sleep(1)
    return n * n


if __name__ == "__main__":
    with Pool(3) as pool:
        start = time.time()
        print([pool.apply(task, (i,)) for i in range(3)])
        print("apply: %.1f s" % (time.time() - start))
        start = time.time()
        results = [pool.apply_async(task, (i,)) for i in range(3)]
        print([r.get() for r in results])
        print("apply_async: %.1f s" % (time.time() - start))
