# join-daemon: a program that should end as soon as its main code is done.
#
# A daemon child is ended (SIGTERM) by the program's exit instead of waited
# for. daemon must be set before start().
import os
import time
from multiprocessing import Process


def heartbeat():
    print("heartbeat starts:", os.getpid())
    time.sleep(2)
    print("heartbeat ends")


if __name__ == "__main__":
    p = Process(target=heartbeat)
    p.daemon = True
    p.start()
    time.sleep(0.3)
    print("Main process end.")
