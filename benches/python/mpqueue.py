"""CPython's side of benches/queue.rs: a multiprocessing.Queue between two
processes, small messages and 1 MB items, and Pipe.send_bytes of 1 MB, printed
as `name value` lines (messages/s, bytes/s)."""
import sys
import time
from multiprocessing import Pipe, Process, Queue, set_start_method


def put_many(q, item, n):
    for _ in range(n):
        q.put(item)


def send_many(conn, item, n):
    for _ in range(n):
        conn.send_bytes(item)


def queue_rate(item, n):
    q = Queue()
    p = Process(target=put_many, args=(q, item, n))
    start = time.perf_counter()
    p.start()
    for _ in range(n):
        q.get()
    elapsed = time.perf_counter() - start
    p.join()
    return elapsed


def pipe_rate(item, n):
    reader, writer = Pipe(duplex=False)
    p = Process(target=send_many, args=(writer, item, n))
    start = time.perf_counter()
    p.start()
    for _ in range(n):
        reader.recv_bytes()
    elapsed = time.perf_counter() - start
    p.join()
    return elapsed


def main():
    set_start_method("fork")
    small = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    big = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    print("queue_small_per_s", small / queue_rate("x" * 10, small))
    mb = "x" * 1_000_000
    print("queue_1mb_bytes_per_s", big * len(mb) / queue_rate(mb, big))
    raw = b"x" * 1_000_000
    print("pipe_1mb_bytes_per_s", big * len(raw) / pipe_rate(raw, big))


if __name__ == "__main__":
    main()
