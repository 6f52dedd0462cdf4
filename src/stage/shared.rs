//! Memory shared between forked processes: an integer (Python's
//! `multiprocessing.Value('i')`) and a lock (Python's `multiprocessing.Lock`),
//! each in its own `mmap(MAP_SHARED | MAP_ANONYMOUS)` page. Created in the parent
//! before the fork, they are the same memory in every child; the parent unmaps
//! them when it drops them, after the children are gone.

use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use nix::sys::mman::{mmap_anonymous, munmap, MapFlags, ProtFlags};

use super::futex;
use super::lane::waiting_here;

/// One shared mapping holding a `T`.
pub(crate) struct Mapping<T> {
    ptr: NonNull<T>,
}

// SAFETY: a mapping owns its `T` as a `Box` does, so it may cross and be shared
// between threads exactly when `T` may.
unsafe impl<T: Send> Send for Mapping<T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for Mapping<T> {}

impl<T> Mapping<T> {
    /// Maps zeroed shared memory for a `T`.
    ///
    /// # Safety
    /// All-zero bytes must be a valid `T` (true of atomics and structs of them).
    pub(crate) unsafe fn zeroed() -> anyhow::Result<Mapping<T>> {
        let len = NonZeroUsize::new(size_of::<T>().max(1)).expect("not zero");
        let ptr =
            mmap_anonymous(None, len, ProtFlags::PROT_READ | ProtFlags::PROT_WRITE, MapFlags::MAP_SHARED)
                .map_err(|err| {
                    let hint = if err == nix::errno::Errno::ENOMEM { super::memory::HINT } else { "" };
                    anyhow::anyhow!("could not map shared memory: {err}{hint}")
                })?;
        Ok(Mapping { ptr: ptr.cast() })
    }

    pub(crate) fn get(&self) -> &T {
        // SAFETY: the mapping lives as long as `self` and holds a valid `T`.
        unsafe { self.ptr.as_ref() }
    }

    /// The `T` itself, for a caller that makes sure, by a lock every process
    /// takes, that nobody else touches it meanwhile.
    pub(crate) fn as_ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }
}

impl<T> Drop for Mapping<T> {
    fn drop(&mut self) {
        // SAFETY: this mapping was made by `zeroed` with this size and is dropped once.
        let _ = unsafe { munmap(self.ptr.cast(), size_of::<T>().max(1)) };
    }
}

/// An integer in shared memory: Python's `multiprocessing.Value('i', 0)`.
pub struct SharedInt {
    cell: Mapping<AtomicI32>,
}

impl SharedInt {
    /// A new shared integer, 0.
    pub fn new() -> anyhow::Result<SharedInt> {
        // SAFETY: zero is a valid AtomicI32.
        Ok(SharedInt { cell: unsafe { Mapping::zeroed()? } })
    }

    /// Its value now.
    pub fn get(&self) -> i32 {
        self.cell.get().load(Ordering::SeqCst)
    }

    /// Sets its value.
    pub fn set(&self, value: i32) {
        self.cell.get().store(value, Ordering::SeqCst);
    }

    /// `v.value += n` as CPython runs it: read the value, add, write the result,
    /// as separate steps. Another process may write between the read and the
    /// write; its update is then overwritten and lost.
    ///
    /// Between the read and the write CPython interprets a few bytecodes; a short
    /// pause ([`interpreter_pause`]) stands in for them, so the
    /// race window, and the time 10 000 additions take, are CPython-sized:
    /// long enough for two processes to overlap even on a busy machine.
    pub fn racy_add(&self, n: i32) -> i32 {
        let sum = self.get() + n;
        interpreter_pause();
        self.set(sum);
        sum
    }

    /// `n` added in one indivisible step (a `lock xadd` on x86): never lost.
    pub fn atomic_add(&self, n: i32) -> i32 {
        self.cell.get().fetch_add(n, Ordering::SeqCst) + n
    }
}

/// A float in shared memory: Python's `multiprocessing.Value('d')` (a C double).
pub struct SharedF64 {
    bits: Mapping<AtomicU64>,
}

impl SharedF64 {
    /// A new shared float, `value`.
    pub fn new(value: f64) -> anyhow::Result<SharedF64> {
        // SAFETY: zero is a valid AtomicU64.
        let shared = SharedF64 { bits: unsafe { Mapping::zeroed()? } };
        shared.set(value);
        Ok(shared)
    }

    /// Its value now.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.bits.get().load(Ordering::SeqCst))
    }

    /// Sets its value.
    pub fn set(&self, value: f64) {
        self.bits.get().store(value.to_bits(), Ordering::SeqCst);
    }

    /// Where it lives in this process's address space.
    pub fn address(&self) -> usize {
        self.bits.ptr.as_ptr() as usize
    }
}

/// `N` integers in shared memory: Python's `multiprocessing.Array('i', N)`.
pub struct SharedArray<const N: usize> {
    cells: Mapping<[AtomicI32; N]>,
}

impl<const N: usize> SharedArray<N> {
    /// A new shared array holding `values`.
    pub fn new(values: [i32; N]) -> anyhow::Result<SharedArray<N>> {
        // SAFETY: all-zero bytes are N valid AtomicI32s.
        let array = SharedArray { cells: unsafe { Mapping::zeroed()? } };
        for (i, value) in values.into_iter().enumerate() {
            array.set(i, value);
        }
        Ok(array)
    }

    /// Element `i`.
    pub fn get(&self, i: usize) -> i32 {
        self.cells.get()[i].load(Ordering::SeqCst)
    }

    /// Sets element `i`.
    pub fn set(&self, i: usize, value: i32) {
        self.cells.get()[i].store(value, Ordering::SeqCst);
    }

    /// All the elements now.
    pub fn to_vec(&self) -> Vec<i32> {
        (0..N).map(|i| self.get(i)).collect()
    }
}

/// A machine word in shared memory, for an address: what Python's
/// `Value(c_char_p)` really stores.
pub struct SharedUsize {
    cell: Mapping<AtomicUsize>,
}

impl SharedUsize {
    /// A new shared word, 0.
    pub fn new() -> anyhow::Result<SharedUsize> {
        // SAFETY: zero is a valid AtomicUsize.
        Ok(SharedUsize { cell: unsafe { Mapping::zeroed()? } })
    }

    /// Its value now.
    pub fn get(&self) -> usize {
        self.cell.get().load(Ordering::SeqCst)
    }

    /// Sets its value.
    pub fn set(&self, value: usize) {
        self.cell.get().store(value, Ordering::SeqCst);
    }
}

/// How many spin-loop hints stand for CPython's bytecodes inside `+=`.
const INTERPRETER_PAUSE: u32 = 20;

/// The stand-in for CPython's work between the read and the write of `+=`.
pub fn interpreter_pause() {
    for _ in 0..INTERPRETER_PAUSE {
        std::hint::spin_loop();
    }
}

/// The words of a process-shared lock.
#[derive(Default)]
struct LockWords {
    /// 0 free, 1 held, 2 held and someone may be waiting (Drepper's futex mutex).
    state: AtomicU32,
    /// The pid holding it, 0 when free.
    owner: AtomicI32,
    /// The pid that last began to wait for it, 0 when nobody waits.
    waiter: AtomicI32,
}

/// A lock shared by forked processes: Python's `multiprocessing.Lock`. Built on
/// a futex in shared memory, so a process waiting for it sleeps in the kernel,
/// and it records who holds it and who waits, for the watchdog.
pub struct SharedLock {
    words: Mapping<LockWords>,
}

/// The words of every process-shared lock alive in this process (by address),
/// so the watchdog can find one whose owner died holding it while someone
/// waits: the lessons' locks and the queues' own.
static LIVE_LOCKS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// The owner and the waiter of a process-shared lock whose owner has died
/// holding it while another process waits for it, if there is one.
pub(crate) fn lock_whose_owner_died(is_dead: impl Fn(i32) -> bool) -> Option<(i32, i32)> {
    let live = LIVE_LOCKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    live.iter().find_map(|&address| {
        // SAFETY: an address is in the list only while its SharedLock, and so its
        // mapping, is alive: Drop takes it out under the same mutex.
        let words = unsafe { &*(address as *const LockWords) };
        let owner = Some(words.owner.load(Ordering::SeqCst)).filter(|&pid| pid != 0)?;
        let waiter = Some(words.waiter.load(Ordering::SeqCst)).filter(|&pid| pid != 0 && pid != owner)?;
        (is_dead(owner) && !is_dead(waiter)).then_some((owner, waiter))
    })
}

/// Holding a [`SharedLock`]; dropping it releases the lock.
pub struct SharedGuard<'l> {
    lock: &'l SharedLock,
}

impl SharedLock {
    /// A new, free lock.
    pub fn new() -> anyhow::Result<SharedLock> {
        // SAFETY: all-zero LockWords is a free lock with no owner and no waiter.
        let lock = SharedLock { words: unsafe { Mapping::zeroed()? } };
        LIVE_LOCKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(lock.address());
        Ok(lock)
    }

    fn address(&self) -> usize {
        self.words.get() as *const LockWords as usize
    }

    /// Python's `lock.acquire()`: waits until the lock is free, then takes it.
    pub fn lock(&self) -> SharedGuard<'_> {
        let words = self.words.get();
        let me = std::process::id() as i32;
        if words.state.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_err() {
            // The timeline hears of the wait before the watchdog can see it in the
            // lock's record: a process killed for a deadlock was drawn waiting.
            waiting_here("lock.acquire()", || {
                words.waiter.store(me, Ordering::SeqCst);
                while words.state.swap(2, Ordering::Acquire) != 0 {
                    futex::wait(&words.state, 2, None);
                }
            });
            let _ = words.waiter.compare_exchange(me, 0, Ordering::SeqCst, Ordering::SeqCst);
        }
        words.owner.store(me, Ordering::SeqCst);
        SharedGuard { lock: self }
    }

    /// The pid holding the lock, if any.
    pub fn owner(&self) -> Option<i32> {
        Some(self.words.get().owner.load(Ordering::SeqCst)).filter(|&pid| pid != 0)
    }

    /// The pid waiting for the lock, if any.
    pub fn waiter(&self) -> Option<i32> {
        Some(self.words.get().waiter.load(Ordering::SeqCst)).filter(|&pid| pid != 0)
    }

    fn unlock(&self) {
        let words = self.words.get();
        words.owner.store(0, Ordering::SeqCst);
        if words.state.swap(0, Ordering::Release) == 2 {
            futex::wake_one(&words.state);
        }
    }
}

impl Drop for SharedLock {
    fn drop(&mut self) {
        let mut live = LIVE_LOCKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        live.retain(|&address| address != self.address());
    }
}

impl Drop for SharedGuard<'_> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}
