import queue
import threading

q = queue.Queue(maxsize=1)

def producer(x):
    if not q.full():
        q.put(x)

t1 = threading.Thread(target=producer, args=(1,))
t2 = threading.Thread(target=producer, args=(2,))
t1.start(); t2.start()
t1.join(); t2.join()
