# locks: two processes add to one shared Value without a lock (notes 002).
#
# v.value += num reads the value, adds, and writes it back: between the read
# and the write, the other process can write, and its update is lost.
# Goal: the total is exact (80000) in every run.
import multiprocessing as mp

TIMES = 20000


def job(v, num):
    for _ in range(TIMES):
        v.value += num


if __name__ == "__main__":
    v = mp.Value("i", 0)
    p1 = mp.Process(target=job, args=(v, 1))
    p2 = mp.Process(target=job, args=(v, 3))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    print("total:", v.value)
