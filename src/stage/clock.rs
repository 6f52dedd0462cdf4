//! Lesson time, and the pause that stops it (DESIGN.md, **contract**).
//!
//! Lessons are written in the notes' own durations (`sleep 5 s`); `--speed X`
//! divides every sleep and timeout by X, and timestamps are reported as lesson
//! time (real elapsed × X), so the output reads like the notes at any speed.
//!
//! A pause (a step-mode stop, a question, an output that cannot be written)
//! stops lesson time for every lane at once. The clock's pause record lives in
//! one page of shared memory (a `memfd`, so that forked children share it and
//! spawned ones map it again); lesson time is real time minus the time spent
//! paused. Every sleep and timeout of a lane is measured in lesson time
//! ([`Clock::sleep`], [`Clock::retry_until`]): a sleeper that wakes while the
//! lesson is paused waits for the resume, and then sleeps what it had left. So
//! a paused run tells the same story as an unpaused one: a join(3) still times
//! out three lesson seconds after it began, however long the teacher talked.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;

/// The pause record, in shared memory. Changed under a seqlock (`seq` odd while
/// a change is under way), so that a reader in any process sees a consistent
/// `depth`, `since` and `total` without taking a lock.
#[repr(C)]
struct Pauses {
    seq: AtomicU32,
    /// How many pauses are on now (two threads may each hold one).
    depth: AtomicU32,
    /// When the current pause began (CLOCK_MONOTONIC, ns), while `depth > 0`.
    since: AtomicU64,
    /// All the time spent paused before `since`, in ns.
    total: AtomicU64,
    /// Bumped at each resume: the futex word paused sleepers wait on.
    resumed: AtomicU32,
    /// How many lanes wait for a resume now: a resume with none to wake makes
    /// no system call (every event written is a short pause).
    waiting: AtomicU32,
}

/// The lesson's clock: where lesson time began, its speed, and the shared pause
/// record. `Copy`, so a forked child carries it across `fork` and reports
/// timestamps on the same scale (CLOCK_MONOTONIC is shared by every process on
/// the machine).
#[derive(Clone, Copy)]
pub struct Clock {
    /// CLOCK_MONOTONIC at the start, in ns.
    origin: u64,
    speed: f64,
    pauses: &'static Pauses,
    /// The memfd behind `pauses`, for a spawned child to map again.
    fd: RawFd,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock").field("now", &self.now()).field("speed", &self.speed).finish()
    }
}

impl Clock {
    /// Starts the clock now, at `speed` (a positive, finite number).
    ///
    /// # Errors
    /// The page of shared memory for the pause record could not be had.
    pub fn start(speed: f64) -> anyhow::Result<Clock> {
        anyhow::ensure!(speed.is_finite() && speed > 0.0, "the speed must be a positive, finite number");
        // SAFETY: memfd_create takes a NUL-terminated name and flags.
        let fd = unsafe { libc::memfd_create(c"concur-tutor-clock".as_ptr(), libc::MFD_CLOEXEC) };
        anyhow::ensure!(fd >= 0, "could not create the lesson clock: {}", std::io::Error::last_os_error());
        // SAFETY: memfd_create just returned this descriptor, and nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: ftruncate on a descriptor we own.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), size_of::<Pauses>() as libc::off_t) } != 0 {
            anyhow::bail!("could not size the lesson clock: {}", std::io::Error::last_os_error());
        }
        let pauses = map(fd.as_fd()).map_err(|err| {
            let hint = if err.raw_os_error() == Some(libc::ENOMEM) { super::memory::HINT } else { "" };
            anyhow::anyhow!("could not map the lesson clock: {err}{hint}")
        })?;
        // The descriptor stays open for the rest of the program: a spawned child is handed it.
        Ok(Clock { origin: monotonic_now(), speed, pauses, fd: fd.into_raw_fd() })
    }

    /// Lesson seconds since the start, paused time left out.
    pub fn now(&self) -> f64 {
        let now = monotonic_now();
        let running = now.saturating_sub(self.origin).saturating_sub(self.paused_until(now));
        running as f64 / 1e9 * self.speed
    }

    /// The speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// How long `lesson_secs` of lesson time lasts in real time, unpaused.
    pub fn real(&self, lesson_secs: f64) -> Duration {
        Duration::try_from_secs_f64((lesson_secs / self.speed).max(0.0)).unwrap_or(Duration::MAX)
    }

    /// A real duration expressed in lesson seconds.
    pub fn lesson_secs(&self, real: Duration) -> f64 {
        real.as_secs_f64() * self.speed
    }

    /// Whether the lesson is paused now.
    pub fn is_paused(&self) -> bool {
        self.pauses.depth.load(Ordering::SeqCst) > 0
    }

    /// Pauses the lesson: no lesson time passes, for any lane, until the
    /// matching [`Clock::resume`]. Pauses nest.
    pub fn pause(&self) {
        self.change(|p, now| {
            if p.depth.load(Ordering::Relaxed) == 0 {
                p.since.store(now, Ordering::Relaxed);
            }
            p.depth.fetch_add(1, Ordering::Relaxed);
        });
    }

    /// Ends a pause; the last one to end lets lesson time run again and wakes
    /// the lanes that waited for it.
    pub fn resume(&self) {
        let mut woke = false;
        self.change(|p, now| match p.depth.load(Ordering::Relaxed) {
            0 => {}
            1 => {
                let since = p.since.load(Ordering::Relaxed);
                p.total.fetch_add(now.saturating_sub(since), Ordering::Relaxed);
                p.depth.store(0, Ordering::Relaxed);
                woke = true;
            }
            _ => drop(p.depth.fetch_sub(1, Ordering::Relaxed)),
        });
        if woke {
            self.pauses.resumed.fetch_add(1, Ordering::SeqCst);
            if self.pauses.waiting.load(Ordering::SeqCst) > 0 {
                futex(&self.pauses.resumed, libc::FUTEX_WAKE, i32::MAX as u32, None);
            }
        }
    }

    /// Runs `f` with the lesson paused.
    pub fn paused<T>(&self, f: impl FnOnce() -> T) -> T {
        self.pause();
        let result = f();
        self.resume();
        result
    }

    /// Sleeps `lesson_secs` of lesson time (Python's `time.sleep`), longer in
    /// real time by whatever pauses come meanwhile.
    pub fn sleep(&self, lesson_secs: f64) {
        let until = self.now() + lesson_secs;
        self.retry_until(until, |left| {
            std::thread::sleep(left);
            None::<()>
        });
    }

    /// Tries `attempt`, given the real time left until lesson time `until`,
    /// again whenever it gives up early because a pause held the lesson back,
    /// until it succeeds or lesson time reaches `until` (then one last try with
    /// no time left). While the lesson is paused it first waits for the resume.
    /// The way every timeout of a lane keeps lesson time.
    pub fn retry_until<T>(&self, until: f64, mut attempt: impl FnMut(Duration) -> Option<T>) -> Option<T> {
        loop {
            if self.is_paused() {
                self.wait_for_resume();
                continue;
            }
            let left = until - self.now();
            if left <= 0.0 {
                return attempt(Duration::ZERO);
            }
            if let Some(done) = attempt(self.real(left)) {
                return Some(done);
            }
        }
    }

    /// Sleeps until the lesson is resumed (at once if it is not paused).
    fn wait_for_resume(&self) {
        let p = self.pauses;
        // Counted before the checks: a resume that comes after them sees the
        // count and wakes us, one that came before changed `resumed` or `depth`.
        p.waiting.fetch_add(1, Ordering::SeqCst);
        let seen = p.resumed.load(Ordering::SeqCst);
        if self.is_paused() {
            futex(&p.resumed, libc::FUTEX_WAIT, seen, None);
        }
        p.waiting.fetch_sub(1, Ordering::SeqCst);
    }

    /// The time spent paused up to `now`, in ns (a consistent reading).
    fn paused_until(&self, now: u64) -> u64 {
        let p = self.pauses;
        loop {
            let seq = p.seq.load(Ordering::Acquire);
            if seq % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let (depth, since, total) = (
                p.depth.load(Ordering::Relaxed),
                p.since.load(Ordering::Relaxed),
                p.total.load(Ordering::Relaxed),
            );
            if p.seq.load(Ordering::Acquire) == seq {
                return total + if depth > 0 { now.saturating_sub(since) } else { 0 };
            }
        }
    }

    /// Changes the pause record under the seqlock.
    fn change(&self, f: impl FnOnce(&Pauses, u64)) {
        let p = self.pauses;
        loop {
            let seq = p.seq.load(Ordering::Relaxed);
            if seq % 2 == 0
                && p.seq.compare_exchange(seq, seq + 1, Ordering::Acquire, Ordering::Relaxed).is_ok()
            {
                f(p, monotonic_now());
                p.seq.store(seq + 2, Ordering::Release);
                return;
            }
            std::hint::spin_loop();
        }
    }

    /// The clock as it crosses an `exec`: its start, its speed, and the
    /// descriptor of its pause record (which the new program must inherit).
    pub fn to_exec(&self) -> (u64, f64, RawFd) {
        (self.origin, self.speed, self.fd)
    }

    /// The same clock in a spawned program (see [`Clock::to_exec`]).
    ///
    /// # Errors
    /// The descriptor is not a pause record this program can map.
    pub fn from_exec(origin: u64, speed: f64, fd: RawFd) -> anyhow::Result<Clock> {
        // SAFETY: the parent passed this descriptor open for this program; it is only borrowed.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let pauses = map(borrowed).context("the spawn order names a clock this process cannot map")?;
        Ok(Clock { origin, speed, pauses, fd })
    }
}

/// Maps the pause record behind `fd` for the rest of the program's life.
fn map(fd: BorrowedFd<'_>) -> std::io::Result<&'static Pauses> {
    // SAFETY: a fresh shared mapping of a memfd at least this long; zeroed bytes are
    // a valid Pauses (atomics), and it is never unmapped, so the reference stays valid.
    unsafe {
        let ptr = libc::mmap(
            std::ptr::null_mut(),
            size_of::<Pauses>(),
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        );
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(&*(ptr as *const Pauses))
    }
}

/// A futex call on a word shared between processes.
fn futex(word: &AtomicU32, op: libc::c_int, value: u32, timeout: Option<Duration>) {
    let timeout = timeout.map(|t| libc::timespec {
        tv_sec: t.as_secs().min(i32::MAX as u64) as _,
        tv_nsec: t.subsec_nanos() as _,
    });
    let timeout_ptr = timeout.as_ref().map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: the word is at a valid address for the call; the timespec, if any, too.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), op, value, timeout_ptr);
    }
}

/// CLOCK_MONOTONIC now, in ns: the clock `Instant` reads, as a number another
/// process can be told.
fn monotonic_now() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_scales_both_ways() {
        let clock = Clock::start(10.0).unwrap();
        assert_eq!(clock.real(5.0), Duration::from_millis(500));
        assert!((clock.lesson_secs(Duration::from_millis(500)) - 5.0).abs() < 1e-9);
    }

    #[test]
    fn a_pause_stops_lesson_time_and_a_sleeper_sleeps_what_it_had_left() {
        let clock = Clock::start(1.0).unwrap();
        clock.pause();
        let frozen = clock.now();
        std::thread::sleep(Duration::from_millis(30));
        assert!((clock.now() - frozen).abs() < 1e-6, "lesson time moved while paused");
        let sleeper = std::thread::spawn(move || {
            clock.sleep(0.02);
            clock.now()
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(!sleeper.is_finished(), "a sleep ended while the lesson was paused");
        clock.resume();
        let woke_at = sleeper.join().unwrap();
        assert!(woke_at >= frozen + 0.02, "{woke_at} < {frozen} + 0.02");
    }

    #[test]
    fn a_clock_survives_the_trip_through_exec() {
        let clock = Clock::start(10.0).unwrap();
        let (origin, speed, fd) = clock.to_exec();
        let copy = Clock::from_exec(origin, speed, fd).unwrap();
        clock.pause();
        assert!(copy.is_paused());
        clock.resume();
        assert!((copy.now() - clock.now()).abs() < 0.01, "{} vs {}", copy.now(), clock.now());
    }
}
