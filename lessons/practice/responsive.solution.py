# threads (the notes' practice task 1): keep a program responsive while a
# slow job runs.
#
# The job runs in a thread of its own; the main loop goes on ticking, and
# waits for the job only at the end.
import threading
import time


def slow_job():
    print("job: downloading...")
    time.sleep(1.5)
    print("job: done")


if __name__ == "__main__":
    job = None
    for tick in range(10):
        print("tick", tick)
        if tick == 2:
            job = threading.Thread(target=slow_job)
            job.start()
        time.sleep(0.2)
    job.join()
    print("main: bye")
