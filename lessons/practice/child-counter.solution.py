# globals: a counter the child adds to, that the parent never sees.
#
# A Value lives in shared memory: both processes see the same number.
from multiprocessing import Process, Value


def run(num):
    with num.get_lock():
        num.value += 1
    print("child: num =", num.value)


if __name__ == "__main__":
    num = Value("i", 100)
    p = Process(target=run, args=(num,))
    p.start()
    p.join()
    print("parent: num =", num.value)
