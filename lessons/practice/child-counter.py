# globals: a counter the child adds to, that the parent never sees.
#
# A child process has a copy of the parent's memory: its num += 1 changes its
# own copy only.
# Goal: the child adds 1 to num, and the parent, once the child has ended,
# prints parent: num = 101.
from multiprocessing import Process

num = 100


def run():
    global num
    num += 1
    print("child: num =", num)


if __name__ == "__main__":
    p = Process(target=run)
    p.start()
    p.join()
    print("parent: num =", num)
