# A Pool of two workers, with the start method named on the command line.
import multiprocessing as mp
import sys


def square(n):
    print("square of", n)
    return n * n


if __name__ == "__main__":
    with mp.get_context(sys.argv[1]).Pool(2) as pool:
        print(pool.map(square, range(4)))
