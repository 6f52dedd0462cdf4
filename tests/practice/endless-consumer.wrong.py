# A plausible wrong fix (the tests check that its verdict says why): a daemon consumer: the program ends, the consumer never does.
# producer-consumer: the notes' consumer loops for ever (notes 004).
#
# When the producer is done, the consumer waits in buffer.get() for an item
# that never comes, and the main thread waits for the consumer.
# Goal: every item is consumed once, and every thread ends by itself.
import queue
import threading
import time

buffer = queue.Queue(maxsize=3)


def producer():
    for item in range(8):
        buffer.put(item)
        print("produced", item)
        time.sleep(0.05)


def consumer():
    while True:
        item = buffer.get()
        print("consumed", item)
        time.sleep(0.1)


if __name__ == "__main__":
    threads = [threading.Thread(target=producer), threading.Thread(target=consumer, daemon=True)]
    for t in threads:
        t.start()
    threads[0].join()
    print("all done")
