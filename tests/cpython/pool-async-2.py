# compare: pool
import os, time
from multiprocessing import Pool


def run_sleep(t):
    print(f"Process start: {os.getpid()}")
    time.sleep(t)
    print("test...")
    print(f"Process {os.getpid()} end.")
    return t * t


if __name__ == '__main__':
    #SCENE
