# locks: two processes add to one shared Value without a lock (notes 002).
#
# One lock, made by the parent and shared by both children, around the read
# and the write: no update can come between them.
import multiprocessing as mp

TIMES = 20000


def job(v, num, lock):
    for _ in range(TIMES):
        with lock:
            v.value += num


if __name__ == "__main__":
    v = mp.Value("i", 0)
    lock = mp.Lock()
    p1 = mp.Process(target=job, args=(v, 1, lock))
    p2 = mp.Process(target=job, args=(v, 3, lock))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    print("total:", v.value)
