# A daemon child is terminated when the main process ends.
import time
from multiprocessing import Process


def forever():
    print("daemon starts")
    time.sleep(30)
    print("daemon never gets here")


if __name__ == "__main__":
    p = Process(target=forever, daemon=True)
    p.start()
    time.sleep(0.3)
    print("main ends")
