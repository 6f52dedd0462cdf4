# os.fork() directly, and os.waitpid.
import os

if __name__ == "__main__":
    pid = os.fork()
    if pid == 0:
        print("in the forked child")
        os._exit(3)
    print("in the parent")
    os.waitpid(pid, 0)
    print("parent done")
