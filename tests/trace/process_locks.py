# Two processes take two multiprocessing locks in opposite orders.
import multiprocessing as mp
import sys


def take(first, second, ready, name):
    with first:
        ready.wait()
        print(name, "waits for its second lock")
        with second:
            print(name, "got both")


if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    lockA = ctx.Lock()
    lockB = ctx.Lock()
    ready = ctx.Barrier(2)
    one = ctx.Process(target=take, args=(lockA, lockB, ready, "one"))
    two = ctx.Process(target=take, args=(lockB, lockA, ready, "two"))
    one.start()
    two.start()
    one.join()
    two.join()
