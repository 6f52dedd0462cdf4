# CPython's figures for the managers lesson, run with `python3 -c`: one read
# of `v.value` through a manager's proxy, and one of a Value in shared memory,
# printed as `name seconds-per-read` lines.
import multiprocessing as mp
import platform
import sys
import time


def per_call(n, read):
    start = time.perf_counter()
    for _ in range(n):
        read()
    return (time.perf_counter() - start) / n


if __name__ == "__main__":
    mp.set_start_method("fork")
    n = int(sys.argv[1])
    print("version", platform.python_version())
    with mp.Manager() as manager:
        v = manager.Value("d", 0.0)
        print("proxy_read", per_call(n, lambda: v.value))
    shared = mp.Value("d", 0.0)
    print("shared_read", per_call(n * 100, lambda: shared.value))
