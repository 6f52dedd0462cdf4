# join() before get() with a big item hangs (notes 002): the child cannot end
# until its queue's feeder thread has written the item into the pipe, and
# nobody reads the pipe while the parent waits in join().
from multiprocessing import Process, Queue


def f(q):
    q.put("X" * 1000000)


if __name__ == "__main__":
    queue = Queue()
    p = Process(target=f, args=(queue,))
    p.start()
    p.join()                  # this deadlocks
    obj = queue.get()         # swap these two lines to fix it
    print(len(obj))
