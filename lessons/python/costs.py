# CPython's costs for the costs lesson, run with `python3 -c`: the same
# primitives as the Rust side, each the median of several batches, printed as
# `name median fastest slowest` lines, in seconds per operation.
import multiprocessing as mp
import os
import platform
import queue
import sys
import threading
import time


def per_op(batches, ops, run, per=1):
    """Seconds per operation over `batches` batches of `ops` operations (each
    `per` operations long): `median fastest slowest`."""
    times = []
    for _ in range(batches):
        start = time.perf_counter()
        run(ops)
        times.append((time.perf_counter() - start) / ops / per)
    times.sort()
    return f"{times[batches // 2]} {times[0]} {times[-1]}"


def starts(make):
    def run(ops):
        for _ in range(ops):
            w = make(target=time.sleep, args=(0,))
            w.start()
            w.join()
    return run


def thread_messages(ops):
    there, back = queue.Queue(), queue.Queue()

    def echo():
        for _ in range(ops):
            back.put(there.get())

    t = threading.Thread(target=echo)
    t.start()
    for i in range(ops):
        there.put(i)
        back.get()
    t.join()


def pipe_round_trips(ops):
    to_child, from_parent = os.pipe()
    to_parent, from_child = os.pipe()
    pid = os.fork()
    if pid == 0:
        for _ in range(ops):
            os.write(from_child, os.read(to_child, 1))
        os._exit(0)
    for _ in range(ops):
        os.write(from_parent, b"x")
        os.read(to_parent, 1)
    os.waitpid(pid, 0)
    for fd in (to_child, from_parent, to_parent, from_child):
        os.close(fd)


def pipe_chunks(ops):
    chunk = b"x" * 65536
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        for _ in range(ops):
            os.write(w, chunk)
        os._exit(0)
    os.close(w)
    left = ops * len(chunk)
    while left:
        left -= len(os.read(r, 65536))
    os.waitpid(pid, 0)
    os.close(r)


def uncontended(ops):
    lock = threading.Lock()
    for _ in range(ops):
        with lock:
            pass


def contended(ops):
    lock = threading.Lock()
    count = [0]

    def work():
        for _ in range(ops // 2):
            with lock:
                count[0] += 1

    ts = [threading.Thread(target=work) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def increments(ops):
    x = 0
    for _ in range(ops):
        x += 1


if __name__ == "__main__":
    mp.set_start_method("fork")
    scale = float(sys.argv[1])  # 1 for the full lesson, less for --quick

    def n(ops):
        # In --quick, a handful of operations at least: one start alone is mostly noise.
        return max(5, int(ops * scale))

    print("version", platform.python_version())
    print("thread_start", per_op(5, n(200), starts(threading.Thread)))
    print("fork_start", per_op(5, n(20), starts(mp.get_context("fork").Process)))
    print("spawn_start", per_op(3, n(2), starts(mp.get_context("spawn").Process)))
    print("channel_message", per_op(5, n(20000), thread_messages, per=2))
    print("pipe_round_trip", per_op(5, n(5000), pipe_round_trips))
    print("pipe_64k_write", per_op(5, n(2000), pipe_chunks))
    print("lock_uncontended", per_op(5, n(200000), uncontended))
    print("lock_contended", per_op(5, n(200000), contended))
    print("atomic_increment", per_op(5, n(1000000), increments))
