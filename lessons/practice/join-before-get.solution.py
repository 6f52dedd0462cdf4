# queue-deadlock: join() before get() with a big item (notes 002).
#
# get() first: the parent reads the pipe, the feeder can write it all, the
# child ends, and join() returns.
from multiprocessing import Process, Queue


def f(q):
    q.put("X" * 1000000)


if __name__ == "__main__":
    queue = Queue()
    p = Process(target=f, args=(queue,))
    p.start()
    obj = queue.get()
    p.join()
    print(len(obj))
