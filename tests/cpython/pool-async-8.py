# compare: pool
import os, time
from concurrent.futures import ThreadPoolExecutor


def run_sleep(t):
    print(f"Process start: {os.getpid()}")
    time.sleep(t)
    print("test...")
    print(f"Process {os.getpid()} end.")
    return t * t


def square_after(task):
    x, secs = task
    print(f'square({x}) starts, takes {secs:.1f} s')
    time.sleep(secs)
    print(f'square({x}) done')
    return x * x


inputs = [(1, 0.2), (2, 1.0), (3, 0.4), (4, 0.6)]
#SCENE
