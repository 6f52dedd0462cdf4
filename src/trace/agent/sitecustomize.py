"""concur-tutor trace: the observer loaded first in every Python process of a
traced program (the tutor puts this folder first on PYTHONPATH, so spawn and
forkserver children, pool workers and os.fork() children load it too).

It changes nothing the program does: it wraps the blocking calls of threading,
multiprocessing, queue and time, and the writes to sys.stdout and sys.stderr,
and reports what happens to the tutor over this process's own connection (a
Unix SEQPACKET socket: one message per event, so threads need no lock to share
it, and processes share nothing). A call that does not block reports nothing.
Then it runs the learner's own sitecustomize, if there is one.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _chain():
    """Runs the sitecustomize this one hides, as Python would have."""
    try:
        from importlib.machinery import PathFinder
        from importlib.util import module_from_spec

        path = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
        spec = PathFinder.find_spec("sitecustomize", path)
        if spec is None or spec.loader is None:
            return
        module = module_from_spec(spec)
        sys.modules["sitecustomize"] = module
        spec.loader.exec_module(module)
    except Exception as err:  # as site.py reports a failing sitecustomize
        sys.stderr.write("Error in sitecustomize; set PYTHONVERBOSE for traceback:\n"
                         "%s: %s\n" % (err.__class__.__name__, err))


def _install(address):
    import _socket
    import _thread
    import time
    import threading

    US = "\x1f"
    native_id = _thread.get_native_id
    mono = time.monotonic
    getframe = sys._getframe
    # Not the learner's code: the standard library, installed packages, us.
    others = [os.path.dirname(os.__file__), _HERE, "<"]
    others += [p for p in sys.path if "site-packages" in p or "dist-packages" in p]
    others = tuple(others)
    learner_files = {}
    exit_functions = {"_exit_function", "_run_finalizers", "_shutdown", "_exitfunc"}
    # Where a process's or a thread's own stack begins: below it, a forked
    # child still has its parent's frames (the parent's p.start()).
    stack_bottoms = {"_bootstrap", "_bootstrap_inner"}
    state = {"conn": None}
    # Every take and release of a lock the learner made, for judging the
    # order locks are taken in (practice): only when the tutor asks.
    every_lock = os.environ.get("CONCUR_TUTOR_LOCKS") == "1"

    def connect(how):
        old = state["conn"]
        if old is not None:
            try:
                old.close()
            except OSError:
                pass
        try:
            conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
            conn.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, 1 << 20)
            conn.connect(address)
        except OSError:
            conn = None
        state["conn"] = conn
        send("H", os.getpid(), os.getppid(), mono(), current_name(), how)

    def send(*fields):
        conn = state["conn"]
        if conn is None:
            return
        try:
            conn.send(US.join(map(str, fields)).encode("utf-8", "backslashreplace"))
        except Exception:
            pass  # the tutor is gone: the program goes on as without it

    def current_name():
        mp = sys.modules.get("multiprocessing.process")
        return mp.current_process().name if mp else "MainProcess"

    def is_learner(filename):
        mine = learner_files.get(filename)
        if mine is None:
            mine = learner_files[filename] = not filename.startswith(others)
        return mine

    def site(depth=2):
        """file:line of the learner's call that led here; '@exit' while the
        interpreter shuts down; else '@file:line' of the library code."""
        try:
            frame = getframe(depth)
        except ValueError:  # called from C, on a stack shallower than `depth`
            frame = None
        inner = None
        at_exit = False
        while frame is not None:
            code = frame.f_code
            if is_learner(code.co_filename):
                return "%s:%d" % (code.co_filename, frame.f_lineno)
            if code.co_name in exit_functions:
                at_exit = True
            elif code.co_name in stack_bottoms:
                break
            if inner is None and not code.co_filename.startswith(_HERE):
                inner = "@%s:%d" % (os.path.basename(code.co_filename), frame.f_lineno)
            frame = frame.f_back
        return "@exit" if at_exit else (inner or "@?")

    # --- waits -------------------------------------------------------------
    # The API the learner called, per thread, set by the outermost wrapper:
    # the wait that really blocks, deeper down, is reported under its name.
    calls = {}
    # Threads with a wait reported and not yet over: a wait inside a wait
    # (a condition taking its lock back) is part of the outer one.
    waiting = set()

    def outer(api, fn):
        def call(*args, **kwargs):
            tid = native_id()
            if tid in calls:
                return fn(*args, **kwargs)
            calls[tid] = api
            try:
                return fn(*args, **kwargs)
            finally:
                calls.pop(tid, None)

        call.__wrapped__ = fn
        call.__name__ = getattr(fn, "__name__", api)
        call.__doc__ = getattr(fn, "__doc__", None)
        return call

    def blocked(api, kind, target, timeout, extra="", depth=3, where=None):
        """Reports that this thread now blocks; returns whether it did (False
        when an outer wait of this thread already has)."""
        tid = native_id()
        if tid in waiting:
            return False
        try:
            if timeout is not None and timeout < 0:
                timeout = None
            send("B", tid, mono(), "" if timeout is None else timeout, kind, target,
                 calls.get(tid, api), where or site(depth), extra)
        except Exception:
            return False  # the observer never breaks the program
        waiting.add(tid)
        return True

    def running(outcome):
        tid = native_id()
        waiting.discard(tid)
        send("R", tid, mono(), outcome)

    def timed(blocking, timeout):
        if not blocking:
            return 0
        return None if timeout is None or timeout < 0 else timeout

    # --- threading ------------------------------------------------------------
    allocate = _thread.allocate_lock
    CRLock = getattr(_thread, "RLock", None)
    counter = iter(range(1, 1 << 62))

    def taken_at(taken):
        """file:line where a lock was taken, if in the learner's code (an
        acquire records the caller's place only: formatting waits for a report)."""
        if taken and is_learner(taken[0]):
            return "%s:%d" % taken
        return "@"

    def wait_for(lock, timeout):
        """The wait of a Lock's or RLock's acquire that would block: reported
        with who holds the lock and where they took it, then waited."""
        did = blocked("acquire", "lock", lock._id, timed(True, timeout),
                      "%s;%s;%s" % (lock._owner, taken_at(lock._taken), lock._made), depth=4)
        ok = False
        try:
            ok = lock._lock.acquire(True, timeout)
        finally:
            if did:
                running("ok" if ok else "timeout")
        return ok

    def caller(depth):
        """(file, line) of the frame `depth` levels up, if the stack is that
        deep (code called from C can have a shallow one)."""
        try:
            frame = getframe(depth + 1)
        except ValueError:
            return None
        return (frame.f_code.co_filename, frame.f_lineno)

    def made_here():
        """file:line of the learner's line that made a lock, if it did (not a
        Queue or a Condition made inside the library)."""
        return taken_at(caller(2))

    def took(lock):
        """Reports a take of a lock the learner made (with every_lock)."""
        if not lock._made.startswith("@"):
            send("A", native_id(), mono(), lock._id, site(3), lock._made)

    def let_go(lock):
        if not lock._made.startswith("@"):
            send("U", native_id(), mono(), lock._id)

    class Lock(object):
        """threading.Lock, with its holder and the line it was taken at on record."""

        __slots__ = ("_lock", "_owner", "_taken", "_id", "_made", "__weakref__")

        def __init__(self):
            self._lock = allocate()
            self._owner = 0
            self._taken = None
            self._id = "%d.%d" % (os.getpid(), next(counter))
            self._made = made_here()

        def acquire(self, blocking=True, timeout=-1):
            if self._lock.acquire(False):
                self._owner = native_id()
                self._taken = caller(1)
                if every_lock:
                    took(self)
                return True
            if not blocking or not wait_for(self, timeout):
                return False
            self._owner = native_id()
            self._taken = caller(1)
            if every_lock:
                took(self)
            return True

        __enter__ = acquire

        def release(self):
            owner, self._owner = self._owner, 0
            try:
                self._lock.release()
            except BaseException:
                self._owner = owner
                raise
            if every_lock:
                let_go(self)

        def __exit__(self, *args):
            self._owner = 0
            self._lock.release()
            if every_lock:
                let_go(self)

        def locked(self):
            return self._lock.locked()

        def _at_fork_reinit(self):
            self._lock._at_fork_reinit()
            self._owner = 0

        def __getattr__(self, name):
            return getattr(self._lock, name)

        def __reduce__(self):
            raise TypeError("cannot pickle '_thread.lock' object")

        def __repr__(self):
            return repr(self._lock)

    class RLock(object):
        """threading.RLock, with its holder on record."""

        __slots__ = ("_lock", "_owner", "_taken", "_id", "_made", "_depth", "__weakref__")

        def __init__(self, *args, **kwargs):
            self._lock = CRLock(*args, **kwargs)
            self._owner = 0
            self._depth = 0
            self._taken = None
            self._id = "%d.%d" % (os.getpid(), next(counter))
            self._made = made_here()

        def _got(self):
            self._depth += 1
            if self._depth == 1:
                self._owner = native_id()
                self._taken = caller(2)
                if every_lock:
                    took(self)

        def acquire(self, blocking=True, timeout=-1):
            if self._lock.acquire(False):
                self._got()
                return True
            if not blocking or not wait_for(self, timeout):
                return False
            self._got()
            return True

        __enter__ = acquire

        def release(self):
            last = False
            if self._lock._is_owned():
                self._depth -= 1
                if self._depth == 0:
                    self._owner = 0
                    last = True
            self._lock.release()
            if last and every_lock:
                let_go(self)

        def __exit__(self, *args):
            self.release()

        def _is_owned(self):
            return self._lock._is_owned()

        def _release_save(self):
            saved = (self._lock._release_save(), self._depth, self._taken)
            self._depth = 0
            self._owner = 0
            return saved

        def _acquire_restore(self, saved):
            inner, depth, taken = saved
            self._lock._acquire_restore(inner)
            self._depth, self._owner, self._taken = depth, native_id(), taken

        def _at_fork_reinit(self):
            self._lock._at_fork_reinit()
            self._owner = 0
            self._depth = 0

        def __getattr__(self, name):
            return getattr(self._lock, name)

        def __reduce__(self):
            raise TypeError("cannot pickle '_thread.RLock' object")

        def __repr__(self):
            return repr(self._lock)

    threading.Lock = Lock
    if CRLock is not None:
        threading.RLock = RLock

    def wrap_cond_wait(Condition):
        wait = Condition.wait

        def cond_wait(self, timeout=None):
            did = blocked("wait", "cond", "", timeout)
            ok = False
            try:
                ok = wait(self, timeout)
            finally:
                if did:
                    running("ok" if ok else "timeout")
            return ok

        Condition.wait = cond_wait

    wrap_cond_wait(threading.Condition)
    threading.Condition.wait_for = outer("wait_for", threading.Condition.wait_for)
    threading.Semaphore.acquire = outer("acquire", threading.Semaphore.acquire)
    threading.Semaphore.__enter__ = threading.Semaphore.acquire
    threading.Event.wait = outer("wait", threading.Event.wait)
    threading.Barrier.wait = outer("wait", threading.Barrier.wait)

    thread_start = threading.Thread.start

    def start(self):
        self._concur_site = site()
        return thread_start(self)

    threading.Thread.start = start
    bootstrap_inner = threading.Thread._bootstrap_inner

    def _bootstrap_inner(self):
        tid = native_id()
        send("T", tid, mono(), self.name, int(self.daemon), getattr(self, "_concur_site", ""))
        try:
            bootstrap_inner(self)
        finally:
            flush_thread(tid)
            send("E", tid, mono())

    threading.Thread._bootstrap_inner = _bootstrap_inner
    thread_join = threading.Thread.join

    def join(self, timeout=None):
        target = getattr(self, "_native_id", None)
        did = False
        if self.is_alive() and target is not None:
            did = blocked("join", "tjoin", target, timeout)
        try:
            return thread_join(self, timeout)
        finally:
            if did:
                running("timeout" if self.is_alive() else "ok")

    threading.Thread.join = join
    shutdown = threading._shutdown

    def _shutdown():
        """The interpreter's exit, which waits for every non-daemon thread."""
        main = threading.main_thread()
        others = [t for t in threading.enumerate()
                  if t is not main and not t.daemon and t.is_alive()
                  and getattr(t, "_native_id", None) is not None]
        did = False
        if others and threading.current_thread() is main:
            did = blocked("join", "tjoin", ",".join(str(t._native_id) for t in others), None, where="@exit")
        try:
            return shutdown()
        finally:
            if did:
                running("ok")

    threading._shutdown = _shutdown

    # --- time.sleep -----------------------------------------------------------
    sleep = time.sleep

    def sleeping(secs):
        tid = native_id()
        if tid in waiting:
            return sleep(secs)
        waiting.add(tid)
        send("P", tid, mono(), secs, site())
        try:
            return sleep(secs)
        finally:
            running("ok")

    time.sleep = sleeping

    # --- what the program prints -----------------------------------------------
    pending = {}  # (stream, tid) -> the start of a line not yet ended
    CHUNK = 1 << 16

    def emit_line(stream, tid, text, whole):
        while len(text) > CHUNK:
            send("O", tid, mono(), stream, 0, text[:CHUNK])
            text = text[CHUNK:]
        send("O", tid, mono(), stream, int(whole), text)

    def flush_thread(tid):
        for stream in (1, 2):
            rest = pending.pop((stream, tid), None)
            if rest:
                emit_line(stream, tid, rest, False)

    def flush_all():
        for (stream, tid), rest in list(pending.items()):
            if pending.pop((stream, tid), None):
                emit_line(stream, tid, rest, False)

    class Output(object):
        """sys.stdout or sys.stderr: each thread's lines go to the tutor, whole."""

        def __init__(self, stream, original):
            self._stream = stream
            self._original = original

        def write(self, text):
            if not isinstance(text, str):
                raise TypeError("write() argument must be str, not %s" % type(text).__name__)
            tid = native_id()
            key = (self._stream, tid)
            line = pending.pop(key, "") + text
            if "\n" in line:
                *whole, line = line.split("\n")
                for each in whole:
                    emit_line(self._stream, tid, each, True)
            if line:
                pending[key] = line
            return len(text)

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def flush(self):
            rest = pending.pop((self._stream, native_id()), None)
            if rest:
                emit_line(self._stream, native_id(), rest, False)

        def isatty(self):
            return str(self._stream) in os.environ.get("CONCUR_TUTOR_TTY", "")

        def writable(self):
            return True

        @property
        def buffer(self):
            return Binary(self)

        def __getattr__(self, name):
            return getattr(self._original, name)

    class Binary(object):
        """sys.stdout.buffer: bytes, decoded as the stream would encode them."""

        def __init__(self, text):
            self._text = text

        def write(self, data):
            encoding = getattr(self._text._original, "encoding", None) or "utf-8"
            self._text.write(bytes(data).decode(encoding, "replace"))
            return len(data)

        def flush(self):
            self._text.flush()

        def __getattr__(self, name):
            return getattr(self._text._original.buffer, name)

    for number, name in ((1, "stdout"), (2, "stderr")):
        original = getattr(sys, name)
        if original is not None:
            wrapped = Output(number, original)
            setattr(sys, name, wrapped)
            setattr(sys, "__%s__" % name, wrapped)

    # --- processes --------------------------------------------------------------
    exit_ = os._exit

    def _exit(code):
        flush_all()
        send("X", code)
        exit_(code)

    os._exit = _exit
    waitpid = os.waitpid

    def waitpid_reported(pid, options):
        tid = native_id()
        did = False
        if not options & os.WNOHANG and pid > 0:
            did = blocked("waitpid", "join", pid, None)
        try:
            got, status = waitpid(pid, options)
        finally:
            if did:
                running("ok")
        if got > 0:
            send("W", got, status, mono())
        return got, status

    os.waitpid = waitpid_reported

    def after_fork_in_child():
        tid = native_id()
        for key in [k for k in pending if k[1] != tid]:
            del pending[key]
        calls.clear()
        waiting.clear()
        connect("fork")

    os.register_at_fork(after_in_child=after_fork_in_child)
    import atexit

    atexit.register(flush_all)

    # --- multiprocessing, as each module is imported -------------------------------
    def patch_process(m):
        BaseProcess = m.BaseProcess
        p_start, p_join = BaseProcess.start, BaseProcess.join
        p_terminate, p_kill, p_bootstrap = BaseProcess.terminate, BaseProcess.kill, BaseProcess._bootstrap

        def start(self):
            # Stamped before the child exists: nothing it reports comes earlier.
            when = mono()
            p_start(self)
            send("S", native_id(), when, self.pid, self.name)

        def join(self, timeout=None):
            popen = self._popen
            did = False
            if popen is not None and self._parent_pid == os.getpid() and popen.poll() is None:
                did = blocked("join", "join", popen.pid, timeout)
            try:
                return p_join(self, timeout)
            finally:
                if did:
                    running("ok" if popen.returncode is not None else "timeout")

        def signalled(fn, signal):
            def call(self):
                if self._popen is not None and self._popen.returncode is None:
                    send("K", native_id(), mono(), self._popen.pid, signal, site())
                return fn(self)
            return call

        def _bootstrap(self, *args, **kwargs):
            send("N", self.name, self._parent_pid, int(bool(self.daemon)), type(self).__name__)
            return p_bootstrap(self, *args, **kwargs)

        BaseProcess.start = start
        BaseProcess.join = join
        BaseProcess.terminate = signalled(p_terminate, "SIGTERM")
        BaseProcess.kill = signalled(p_kill, "SIGKILL")
        BaseProcess._bootstrap = _bootstrap

    def patch_poll(m):
        poll = m.Popen.poll

        def reaped(self, *args, **kwargs):
            before = self.returncode
            code = poll(self, *args, **kwargs)
            if before is None and code is not None:
                send("C", self.pid, code, mono())
            return code

        m.Popen.poll = reaped

    def patch_spawn(m):
        prepare = m.prepare

        def named_prepare(data):
            if "name" in data:
                send("N", data["name"], data.get("parent_pid", ""), "", "")
            return prepare(data)

        m.prepare = named_prepare

    def patch_role(role):
        def patch(m):
            main = m.main

            def run(*args, **kwargs):
                send("N", role, "", 0, role)
                return main(*args, **kwargs)

            m.main = run
        return patch

    def patch_synchronize(m):
        SemLock = m.SemLock
        sem_init, make_methods = SemLock.__init__, SemLock._make_methods
        getstate, setstate = SemLock.__getstate__, SemLock.__setstate__

        def made_by_learner():
            """Whether the learner's own code made this lock (not a Queue or a Pool)."""
            try:
                frame = getframe(2)
            except ValueError:
                return False
            while frame is not None and frame.f_code.co_filename.endswith(
                    ("synchronize.py", "context.py", "sitecustomize.py")):
                frame = frame.f_back
            return frame is not None and is_learner(frame.f_code.co_filename)

        def init(self, *args, **kwargs):
            # The holder of a lock the learner made is reported as it
            # changes, for the wait-for graph across processes.
            mine = isinstance(self, (m.Lock, m.RLock)) and made_by_learner()
            self._concur = ("%d.m%d" % (os.getpid(), next(counter)), site(), mine)
            sem_init(self, *args, **kwargs)

        def make(self):
            make_methods(self)
            semlock = self._semlock
            ident, made, mine = getattr(self, "_concur", ("", "", False))
            kind = "mplock" if isinstance(self, (m.Lock, m.RLock)) else "sem"

            def acquire(block=True, timeout=None):
                if semlock.acquire(False):
                    if mine:
                        send("A", native_id(), mono(), ident, site(), made)
                    return True
                if not block:
                    return False
                did = blocked("acquire", kind, ident, timeout, made)
                ok = False
                try:
                    ok = semlock.acquire(True, timeout)
                finally:
                    if did:
                        running("ok" if ok else "timeout")
                if ok and mine:
                    send("A", native_id(), mono(), ident, site(), made)
                return ok

            def release():
                semlock.release()
                if mine and not semlock._count():
                    send("U", native_id(), mono(), ident)

            self.acquire = acquire
            self.release = release

        def enter(self):
            return self.acquire()

        def exit(self, *args):
            return self.release()

        def get(self):
            return (getstate(self), getattr(self, "_concur", None))

        def put(self, saved):
            if isinstance(saved, tuple) and len(saved) == 2 and isinstance(saved[0], tuple):
                self._concur = saved[1] or ("", "", False)
                saved = saved[0]
            setstate(self, saved)

        SemLock.__init__ = init
        SemLock._make_methods = make
        SemLock.__enter__ = enter
        SemLock.__exit__ = exit
        SemLock.__getstate__ = get
        SemLock.__setstate__ = put
        m.Condition.wait = outer("wait", m.Condition.wait)
        m.Event.wait = outer("wait", m.Event.wait)
        m.Barrier.wait = outer("wait", m.Barrier.wait)

    def patch_connection(m):
        import select
        import fcntl
        import termios

        C = m.Connection
        recv_bytes, send_bytes, poll = C._recv_bytes, C._send_bytes, C._poll
        F_GETPIPE_SZ = 1032

        def inode(fd):
            return os.fstat(fd).st_ino

        def ready(fd):
            return bool(select.select([fd], [], [], 0)[0])

        def _recv_bytes(self, maxsize=None):
            fd = self._handle
            did = False
            if not ready(fd):
                did = blocked("recv", "read", inode(fd), None, getattr(self, "_concur_peer", ""))
            try:
                return recv_bytes(self, maxsize)
            finally:
                if did:
                    running("ok")

        def _send_bytes(self, buf):
            fd = self._handle
            did = False
            size = len(buf) + 4
            try:
                capacity = fcntl.fcntl(fd, F_GETPIPE_SZ)
            except OSError:
                capacity = 0  # a socket: its wait is left to /proc
            if capacity:
                held = bytearray(4)
                fcntl.ioctl(fd, termios.FIONREAD, held)
                inside = int.from_bytes(held, sys.byteorder)
                if size > capacity - inside:
                    did = blocked("send", "write", inode(fd), None,
                                  "%d;%d;%d" % (size, capacity, inside))
            try:
                return send_bytes(self, buf)
            finally:
                if did:
                    running("ok")

        def _poll(self, timeout):
            if not timeout or ready(self._handle):
                return poll(self, timeout)
            did = blocked("poll", "read", inode(self._handle), timeout,
                          getattr(self, "_concur_peer", ""))
            ok = False
            try:
                ok = poll(self, timeout)
            finally:
                if did:
                    running("ok" if ok else "timeout")
            return ok

        C._recv_bytes, C._send_bytes, C._poll = _recv_bytes, _send_bytes, _poll
        B = m._ConnectionBase
        for api in ("recv", "recv_bytes", "recv_bytes_into", "send", "send_bytes", "poll"):
            setattr(B, api, outer(api, getattr(B, api)))
        pipe = m.Pipe

        def Pipe(duplex=True):
            one, two = pipe(duplex)
            if duplex:
                a, b = inode(one.fileno()), inode(two.fileno())
                one._concur_peer, two._concur_peer = b, a
            return one, two

        m.Pipe = Pipe

    def patch_queues(m):
        for cls in (m.Queue, m.SimpleQueue):
            cls.get = outer("get", cls.get)
        m.Queue.put = outer("put", m.Queue.put)
        m.JoinableQueue.join = outer("join", m.JoinableQueue.join)

    def patch_pool(m):
        m.ApplyResult.get = outer("get", m.ApplyResult.get)
        m.ApplyResult.wait = outer("wait", m.ApplyResult.wait)
        m.IMapIterator.next = outer("next", m.IMapIterator.next)
        m.IMapIterator.__next__ = m.IMapIterator.next
        m.Pool.join = outer("join", m.Pool.join)

    def patch_queue(m):
        for api in ("get", "put", "join"):
            setattr(m.Queue, api, outer(api, getattr(m.Queue, api)))

    patches = {
        "multiprocessing.process": patch_process,
        "multiprocessing.popen_fork": patch_poll,
        "multiprocessing.popen_forkserver": patch_poll,
        "multiprocessing.spawn": patch_spawn,
        "multiprocessing.forkserver": patch_role("forkserver"),
        "multiprocessing.resource_tracker": patch_role("resource_tracker"),
        "multiprocessing.synchronize": patch_synchronize,
        "multiprocessing.connection": patch_connection,
        "multiprocessing.queues": patch_queues,
        "multiprocessing.pool": patch_pool,
        "queue": patch_queue,
    }

    class Loader(object):
        def __init__(self, loader, patch):
            self._loader, self._patch = loader, patch

        def create_module(self, spec):
            return self._loader.create_module(spec)

        def exec_module(self, module):
            self._loader.exec_module(module)
            self._patch(module)

        def __getattr__(self, name):
            return getattr(self._loader, name)

    class Finder(object):
        """Patches each module above as it is first imported."""

        def find_spec(self, name, path=None, target=None):
            patch = patches.get(name)
            if patch is None:
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    if spec.loader is not None:
                        spec.loader = Loader(spec.loader, patch)
                    return spec
            return None

    for name, patch in patches.items():
        if name in sys.modules:
            patch(sys.modules[name])
    sys.meta_path.insert(0, Finder())
    connect("exec")


if os.environ.get("CONCUR_TUTOR_TRACE"):
    _install(os.environ["CONCUR_TUTOR_TRACE"])
_chain()
