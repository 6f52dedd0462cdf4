# start-methods: code that works under fork and breaks under spawn.
#
# The settings go to the worker as an argument: spawn pickles the arguments
# and hands them to the new Python, which fork would have copied anyway.
import multiprocessing as mp


def worker(settings):
    print("worker sees name =", settings.get("name"))


if __name__ == "__main__":
    mp.set_start_method("spawn")
    settings = {"name": "demo"}
    p = mp.Process(target=worker, args=(settings,))
    p.start()
    p.join()
    print("main: done")
