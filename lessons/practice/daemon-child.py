# join-daemon: a program that should end as soon as its main code is done.
#
# The heartbeat child sleeps 2 s. When main's code is over, Python waits at
# exit for every child that is not a daemon, so the program lasts 2 s.
# Goal: the program ends as soon as main prints its last line, and the
# heartbeat child is ended then, without printing "heartbeat ends".
import os
import time
from multiprocessing import Process


def heartbeat():
    print("heartbeat starts:", os.getpid())
    time.sleep(2)
    print("heartbeat ends")


if __name__ == "__main__":
    p = Process(target=heartbeat)
    p.start()
    time.sleep(0.3)
    print("Main process end.")
