# Two children started with the method named on the command line.
import multiprocessing as mp
import sys


def work(n):
    print("child", n, "says hello")


if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    children = [ctx.Process(target=work, args=(n,)) for n in (1, 2)]
    for p in children:
        p.start()
    for p in children:
        p.join()
    print("parent done")
