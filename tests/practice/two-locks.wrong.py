# A plausible wrong fix (the tests check that its verdict says why): the notes' timeout on the second lock: no deadlock, but the orders still cross.
# deadlock: two threads take two locks in opposite orders (notes 004).
#
# first holds lockA and waits for lockB; second holds lockB and waits for
# lockA: neither can go on.
# Goal: both threads get both locks and finish, in every run, and the locks
# are always taken in one order.
import time
from threading import Lock, Thread

lockA = Lock()
lockB = Lock()


def first():
    with lockA:
        print("first has lock A")
        time.sleep(0.1)
        with lockB:
            print("first has lock B")


def second():
    with lockB:
        print("second has lock B")
        time.sleep(0.1)
        if lockA.acquire(timeout=0.5):
            print("second has lock A")
            lockA.release()


if __name__ == "__main__":
    t1 = Thread(target=first)
    t2 = Thread(target=second)
    t1.start()
    t2.start()
    t1.join()
    t2.join()
