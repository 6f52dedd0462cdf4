//! Python's `multiprocessing.Semaphore` and `BoundedSemaphore`: a count of free
//! places in shared memory, which any forked process can take and give back.
//! A process that finds none sleeps in the kernel on the count's futex until a
//! release wakes it. Made before the fork, it is the same count in every child.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::futex;
use super::lane::waiting_here;
use super::shared::Mapping;

/// A counting semaphore shared by forked processes.
pub struct Semaphore {
    count: Mapping<AtomicU32>,
}

impl Semaphore {
    /// Python's `Semaphore(value)`: `value` free places.
    pub fn new(value: u32) -> anyhow::Result<Semaphore> {
        // SAFETY: zero is a valid AtomicU32.
        let sem = Semaphore { count: unsafe { Mapping::zeroed()? } };
        sem.count.get().store(value, Ordering::SeqCst);
        Ok(sem)
    }

    /// Python's `sem.acquire()`: takes a place, waiting for one if there is
    /// none; the wait is drawn on the timeline of the lane that waits.
    pub fn acquire(&self) {
        if !self.try_acquire() {
            waiting_here("sem.acquire()", || self.acquire_within(None));
        }
    }

    /// Python's `sem.acquire(block=False)`: takes a place if one is free.
    pub fn try_acquire(&self) -> bool {
        let count = self.count.get();
        let mut places = count.load(Ordering::SeqCst);
        while places > 0 {
            match count.compare_exchange(places, places - 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return true,
                Err(now) => places = now,
            }
        }
        false
    }

    /// Takes a place, waiting for one at most `timeout` of real time (for
    /// ever if `None`). Returns false if the time ran out first. (A timeout in
    /// lesson time retries it with [`Clock::retry_until`](super::Clock::retry_until).)
    pub fn acquire_within(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if self.try_acquire() {
                return true;
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|left| left.is_zero()) {
                return false;
            }
            futex::wait(self.count.get(), 0, left);
        }
    }

    /// Python's `sem.release()`: gives a place back, waking one waiter. A plain
    /// semaphore takes a release it never handed out, and counts one more place.
    pub fn release(&self) {
        self.count.get().fetch_add(1, Ordering::SeqCst);
        futex::wake_one(self.count.get());
    }

    /// Python's `sem.get_value()`: the free places now.
    pub fn get_value(&self) -> u32 {
        self.count.get().load(Ordering::SeqCst)
    }
}

/// Python's `ValueError` from a `BoundedSemaphore` released more often than it
/// was acquired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleasedTooManyTimes;

impl fmt::Display for ReleasedTooManyTimes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // CPython's own words.
        f.write_str("semaphore or lock released too many times")
    }
}

impl std::error::Error for ReleasedTooManyTimes {}

/// Python's `BoundedSemaphore(value)`: a semaphore that refuses to count more
/// than `value` places, so a release without an acquire is caught.
pub struct BoundedSemaphore {
    sem: Semaphore,
    bound: u32,
}

impl BoundedSemaphore {
    /// `value` free places, and never more.
    pub fn new(value: u32) -> anyhow::Result<BoundedSemaphore> {
        Ok(BoundedSemaphore { sem: Semaphore::new(value)?, bound: value })
    }

    /// Python's `sem.acquire()` (see [`Semaphore::acquire`]).
    pub fn acquire(&self) {
        self.sem.acquire();
    }

    /// Python's `sem.release()`: refused when every place is already free.
    /// The check and the increment are one compare-and-swap, so two processes
    /// releasing at once cannot both slip past the bound.
    pub fn release(&self) -> Result<(), ReleasedTooManyTimes> {
        let count = self.sem.count.get();
        let mut places = count.load(Ordering::SeqCst);
        loop {
            if places >= self.bound {
                return Err(ReleasedTooManyTimes);
            }
            match count.compare_exchange(places, places + 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => break,
                Err(now) => places = now,
            }
        }
        futex::wake_one(count);
        Ok(())
    }

    /// Python's `sem.get_value()`.
    pub fn get_value(&self) -> u32 {
        self.sem.get_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_semaphore_refuses_a_release_past_its_value() {
        let sem = BoundedSemaphore::new(2).unwrap();
        assert!(sem.sem.try_acquire());
        assert_eq!(sem.release(), Ok(()));
        assert_eq!(sem.release(), Err(ReleasedTooManyTimes));
        assert_eq!(sem.get_value(), 2);
    }

    #[test]
    fn a_plain_semaphore_counts_an_extra_release() {
        let sem = Semaphore::new(2).unwrap();
        sem.release();
        assert_eq!(sem.get_value(), 3);
        assert!(!Semaphore::new(0).unwrap().acquire_within(Some(Duration::ZERO)));
    }
}
