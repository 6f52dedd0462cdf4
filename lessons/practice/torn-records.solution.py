# pipe: two writers on one end of a pipe tear each other's records.
#
# One lock, shared by both writers: a record is written whole before the
# other writer may start one.
import os
from multiprocessing import Lock, Process

SIZE = 200000
COUNT = 20


def writer(fd, letter, lock):
    for _ in range(COUNT):
        with lock:
            os.write(fd, letter * SIZE)


def read_record(fd):
    record = b""
    while len(record) < SIZE:
        record += os.read(fd, SIZE - len(record))
    return record


if __name__ == "__main__":
    read_end, write_end = os.pipe()
    lock = Lock()
    writers = [Process(target=writer, args=(write_end, letter, lock)) for letter in (b"A", b"B")]
    for w in writers:
        w.start()
    for _ in range(2 * COUNT):
        record = read_record(read_end)
        print(" ".join("%s:%d" % (chr(b), record.count(b)) for b in sorted(set(record))))
    for w in writers:
        w.join()
