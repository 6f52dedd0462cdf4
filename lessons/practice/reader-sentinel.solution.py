# queue: a reader that loops for ever.
#
# The writer puts a sentinel (None) after its last item; the reader stops at
# it, and its process ends by itself.
import time
from multiprocessing import Process, Queue


def write(q):
    for item in ["A", "B", "C", "D"]:
        q.put(item)
        time.sleep(0.1)
    q.put(None)


def read(q):
    while True:
        item = q.get()
        if item is None:
            break
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
