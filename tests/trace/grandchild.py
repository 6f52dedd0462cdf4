# A child that starts a child of its own.
from multiprocessing import Process


def grandchild():
    print("grandchild here")


def child():
    print("child here")
    p = Process(target=grandchild)
    p.start()
    p.join()


if __name__ == "__main__":
    p = Process(target=child)
    p.start()
    p.join()
    print("all done")
