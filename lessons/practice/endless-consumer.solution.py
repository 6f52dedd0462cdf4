# producer-consumer: the notes' consumer loops for ever (notes 004).
#
# The producer puts a sentinel (None) after its last item; the consumer stops
# there, so its thread ends and join() returns.
import queue
import threading
import time

buffer = queue.Queue(maxsize=3)


def producer():
    for item in range(8):
        buffer.put(item)
        print("produced", item)
        time.sleep(0.05)
    buffer.put(None)


def consumer():
    while True:
        item = buffer.get()
        if item is None:
            break
        print("consumed", item)
        time.sleep(0.1)


if __name__ == "__main__":
    threads = [threading.Thread(target=producer), threading.Thread(target=consumer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("all done")
