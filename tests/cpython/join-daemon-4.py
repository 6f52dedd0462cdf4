import os, time
from multiprocessing import Process


def run_sleep(t):
    print(f"Process start: {os.getpid()}")
    time.sleep(t)
    print("test...")
    print(f"Process {os.getpid()} end.")


if __name__ == '__main__':
    #SCENE
