# The notes' deadlock with its fix: the second acquire has a timeout, and the
# main thread never joins: the interpreter waits for both threads at exit.
import time
from threading import Lock, Thread

lockA = Lock()
lockB = Lock()


def first():
    with lockA:
        time.sleep(0.1)
        with lockB:
            print("first got both")


def second():
    with lockB:
        time.sleep(0.1)
        if lockA.acquire(timeout=0.3):
            lockA.release()
        else:
            print("second gave up on lock A")


if __name__ == "__main__":
    Thread(target=first).start()
    Thread(target=second).start()
