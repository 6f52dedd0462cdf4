# A plausible wrong fix (the tests check that its verdict says why): a timeout on join(), then terminate(): the item is lost.
# queue-deadlock: join() before get() with a big item (notes 002).
#
# The child cannot end until its queue's feeder thread has written the whole
# item into the pipe, and nobody reads the pipe while the parent waits in
# join().
# Goal: the item arrives (the parent prints 1000000), nothing hangs, and
# every process ends by itself with code 0.
from multiprocessing import Process, Queue


def f(q):
    q.put("X" * 1000000)


if __name__ == "__main__":
    queue = Queue()
    p = Process(target=f, args=(queue,))
    p.start()
    p.join(timeout=1)
    if p.is_alive():
        p.terminate()
    obj = queue.get(timeout=1)
    print(len(obj))
