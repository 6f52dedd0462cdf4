# lanes: Process-1=p1, Process-2=p2
import os, time
from multiprocessing import Process


def run_sleep(t):
    print(f"Process start: {os.getpid()}")
    time.sleep(t)
    print("test...")
    print(f"Process {os.getpid()} end.")


if __name__ == '__main__':
    #SCENE
