# A bounded buffer between a fast producer and a slow consumer (notes 004).
import queue
import threading
import time

buffer = queue.Queue(maxsize=3)


def producer():
    for i in range(6):
        buffer.put(i)          # blocks while the buffer is full
        print("produced", i)
        time.sleep(0.1)
    buffer.put(None)


def consumer():
    while True:
        item = buffer.get()
        if item is None:
            break
        print("consumed", item)
        time.sleep(0.3)


if __name__ == "__main__":
    threads = [threading.Thread(target=producer), threading.Thread(target=consumer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
