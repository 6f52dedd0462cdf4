# join(timeout) and a daemon child (notes 000): trace it with
#   concur-tutor trace join_daemon.py
import os
import time
from multiprocessing import Process


def run_sleep(seconds):
    print("Process start:", os.getpid())
    time.sleep(seconds)
    print("Process", os.getpid(), "end.")


if __name__ == "__main__":
    print("Main Process:", os.getpid())
    p1 = Process(target=run_sleep, args=(2,))
    p2 = Process(target=run_sleep, args=(5,))
    p2.daemon = True          # dies with the main process
    p1.start()
    p2.start()
    p1.join(3)                # returns when p1 ends, after about 2 s
    p2.join(1)                # gives up after 1 s: p2 still runs
    print("Main process end.")  # then p2, a daemon, is terminated
