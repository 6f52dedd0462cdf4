# pipe: two writers on one end of a pipe tear each other's records.
#
# A write of more than PIPE_BUF (4096) bytes into a pipe may be cut into
# pieces, and another process's write may go between them.
# Goal: every record the reader gets is whole: 200000 bytes of one letter.
import os
from multiprocessing import Process

SIZE = 200000
COUNT = 20


def writer(fd, letter):
    for _ in range(COUNT):
        os.write(fd, letter * SIZE)


def read_record(fd):
    record = b""
    while len(record) < SIZE:
        record += os.read(fd, SIZE - len(record))
    return record


if __name__ == "__main__":
    read_end, write_end = os.pipe()
    writers = [Process(target=writer, args=(write_end, letter)) for letter in (b"A", b"B")]
    for w in writers:
        w.start()
    for _ in range(2 * COUNT):
        record = read_record(read_end)
        print(" ".join("%s:%d" % (chr(b), record.count(b)) for b in sorted(set(record))))
    for w in writers:
        w.join()
