"""CPython's side of benches/buffer.rs: items per second through
queue.Queue(maxsize=10) between two threads, printed as `name value`."""
import queue
import sys
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000


def main():
    q = queue.Queue(maxsize=10)

    def produce():
        for i in range(N):
            q.put(i)
        q.put(None)

    start = time.perf_counter()
    t = threading.Thread(target=produce)
    t.start()
    while q.get() is not None:
        pass
    t.join()
    print("queue_items_per_s", N / (time.perf_counter() - start))


if __name__ == "__main__":
    main()
