# CPython's threshold for the queue-deadlock lesson, run with `python3 -c`: the
# largest item a child can put on a multiprocessing.Queue and still end while
# nobody reads, found by bisection, printed as `name value` lines. A probe's
# child either ends, or its feeder thread sits blocked writing into the full
# pipe (its wchan in /proc names pipe_write), and is then drained and joined.
import multiprocessing as mp
import os
import platform
import time
from multiprocessing.reduction import ForkingPickler


def put(q, n):
    q.put("X" * n)


def blocked_in_pipe_write(pid):
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/wchan") as f:
                if "pipe_write" in f.read():
                    return True
    except OSError:
        pass
    return False


def fits(n):
    q = mp.Queue()
    p = mp.Process(target=put, args=(q, n))
    p.start()
    # Where /proc shows no wait channel, a child that has not ended in 2 s is stuck.
    deadline = time.monotonic() + 2
    while True:
        p.join(0.001)
        if p.exitcode is not None:
            q.close()
            return True
        if blocked_in_pipe_write(p.pid) or time.monotonic() > deadline:
            q.get()
            p.join()
            q.close()
            return False


if __name__ == "__main__":
    mp.set_start_method("fork")
    fit, hang = 0, 1_000_000
    while hang - fit > 1:
        middle = (fit + hang) // 2
        if fits(middle):
            fit = middle
        else:
            hang = middle
    print("version", platform.python_version())
    print("largest", fit)
    # What crosses the pipe: a 4-byte length, then the pickle of the string.
    print("frame", 4 + len(ForkingPickler.dumps("X" * fit)))
