# A plausible wrong fix (the tests check that its verdict says why): back to fork: it works here, and not where spawn is the default.
# start-methods: code that works under fork and breaks under spawn.
#
# A child started with spawn is a new Python: it imports this file again,
# and what runs under `if __name__ == "__main__":` does not run in it. So the
# worker does not see the settings main filled in.
# Goal: keep spawn, and make the worker see name = demo.
import multiprocessing as mp

settings = {}


def worker():
    print("worker sees name =", settings.get("name"))


if __name__ == "__main__":
    mp.set_start_method("fork")
    settings["name"] = "demo"
    p = mp.Process(target=worker)
    p.start()
    p.join()
    print("main: done")
