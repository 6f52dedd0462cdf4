# get() on a queue nobody will ever put to.
from multiprocessing import Queue

if __name__ == "__main__":
    q = Queue()
    print("waiting for an item")
    item = q.get()
