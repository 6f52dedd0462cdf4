# Put before each scene's program by tests/cpython_truth.rs: every print
# becomes one JSON line on stdout naming the lane that printed it (the asyncio
# task's name, else the thread's, else the process's, else "main"), written
# with one write(2) so that lines from several processes never mix. The
# program itself is untouched.
import builtins as _builtins, json as _json, os as _os, sys as _sys
import multiprocessing as _mp, threading as _threading

_print = _builtins.print


def _task():
    """The asyncio task running now, if any: tasks share their thread."""
    if "asyncio" not in _sys.modules:
        return None
    try:
        return _sys.modules["asyncio"].current_task()
    except RuntimeError:
        return None


def _lane_print(*args, sep=" ", end="\n", file=None, flush=False):
    if file not in (None, _sys.stdout):
        return _print(*args, sep=sep, end=end, file=file, flush=flush)
    task = _task()
    thread = task.get_name() if task else _threading.current_thread().name
    process = _mp.current_process().name
    lane = thread if thread != "MainThread" else ("main" if process == "MainProcess" else process)
    text = (sep or " ").join(map(str, args)) + ("" if end in (None, "\n") else end)
    _os.write(1, (_json.dumps({"lane": lane, "text": text}) + "\n").encode())


_builtins.print = _lane_print
