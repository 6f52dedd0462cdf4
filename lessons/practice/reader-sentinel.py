# queue: a reader that loops for ever.
#
# The reader waits in q.get() for one more item that never comes, so
# pr.join() waits for ever too. The notes end it with pr.terminate().
# Goal: the reader prints A B C D once each, in order, and ends by itself:
# every process exits with code 0, none is terminated, nothing hangs.
import time
from multiprocessing import Process, Queue


def write(q):
    for item in ["A", "B", "C", "D"]:
        q.put(item)
        time.sleep(0.1)


def read(q):
    while True:
        item = q.get()
        print("read", item)


if __name__ == "__main__":
    q = Queue()
    pw = Process(target=write, args=(q,))
    pr = Process(target=read, args=(q,))
    pw.start()
    pr.start()
    pw.join()
    pr.join()
    print("main: done")
