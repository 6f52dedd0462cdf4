# A child raises; then the main program raises.
from multiprocessing import Process


def divide():
    return 1 / 0


if __name__ == "__main__":
    p = Process(target=divide)
    p.start()
    p.join()
    print("child exit code", p.exitcode)
    raise ValueError("the end")
