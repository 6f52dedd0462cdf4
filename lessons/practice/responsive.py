# threads (the notes' practice task 1): keep a program responsive while a
# slow job runs.
#
# The main loop ticks every 0.2 s; at tick 2 it runs the slow job itself, and
# no tick comes until the job is done.
# Goal: the ticks keep their pace through the job, and the job still finishes.
import threading
import time


def slow_job():
    print("job: downloading...")
    time.sleep(1.5)
    print("job: done")


if __name__ == "__main__":
    for tick in range(10):
        print("tick", tick)
        if tick == 2:
            slow_job()
        time.sleep(0.2)
    print("main: bye")
