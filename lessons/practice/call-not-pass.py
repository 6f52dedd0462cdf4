# threads: download and listen at the same time (notes 004).
#
# target=download() calls download right here, in the main thread, and gives
# the Thread its result (None) as the target: nothing runs in the threads.
# Goal: download and listen run at the same time, each in a thread of its own.
import threading
import time


def download():
    for image in ["a.png", "b.png", "c.png"]:
        print("downloading", image)
        time.sleep(0.3)


def listen():
    for song in ["aaa", "bbb", "ccc"]:
        print("listening to", song)
        time.sleep(0.3)


if __name__ == "__main__":
    t1 = threading.Thread(target=download())
    t2 = threading.Thread(target=listen())
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    print("both done")
