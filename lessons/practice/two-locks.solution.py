# deadlock: two threads take two locks in opposite orders (notes 004).
#
# Both threads take lockA first, then lockB: whoever has lockA can always get
# lockB, so no cycle of waits can form.
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
    with lockA:
        print("second has lock A")
        time.sleep(0.1)
        with lockB:
            print("second has lock B")


if __name__ == "__main__":
    t1 = Thread(target=first)
    t2 = Thread(target=second)
    t1.start()
    t2.start()
    t1.join()
    t2.join()
