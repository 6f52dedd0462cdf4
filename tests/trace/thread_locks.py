# Two threads take two locks in opposite orders.
import threading

lockA = threading.Lock()
lockB = threading.Lock()
both = threading.Barrier(2)


def first():
    with lockA:
        both.wait()
        with lockB:
            print("first got both")


def second():
    with lockB:
        both.wait()
        with lockA:
            print("second got both")


if __name__ == "__main__":
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
