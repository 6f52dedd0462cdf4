//! Lesson time. Lessons are written in the notes' own durations (`sleep 5 s`);
//! `--speed X` divides every sleep and timeout by X, and timestamps are reported
//! as real elapsed time × X, so the output reads like the notes at any speed.

use std::time::{Duration, Instant};

/// The lesson's clock: a start instant and a speed. `Copy`, so a forked child
/// carries it across `fork` and reports timestamps on the same scale
/// (`Instant` is `CLOCK_MONOTONIC`, shared by every process on the machine).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Instant,
    speed: f64,
}

impl Clock {
    /// Starts the clock now.
    pub fn start(speed: f64) -> Clock {
        assert!(speed.is_finite() && speed > 0.0, "speed must be positive");
        Clock { start: Instant::now(), speed }
    }

    /// Lesson seconds since the start.
    pub fn now(&self) -> f64 {
        self.lesson_secs(self.start.elapsed())
    }

    /// The speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// How long `lesson_secs` of lesson time lasts in real time.
    pub fn real(&self, lesson_secs: f64) -> Duration {
        Duration::try_from_secs_f64((lesson_secs / self.speed).max(0.0)).unwrap_or(Duration::MAX)
    }

    /// A real duration expressed in lesson seconds.
    pub fn lesson_secs(&self, real: Duration) -> f64 {
        real.as_secs_f64() * self.speed
    }

    /// The clock as it crosses an `exec`: its start on the machine-wide
    /// `CLOCK_MONOTONIC`, in nanoseconds, and its speed.
    pub fn to_monotonic(&self) -> (u64, f64) {
        let origin = monotonic_now().saturating_sub(self.start.elapsed());
        (origin.as_nanos() as u64, self.speed)
    }

    /// The same clock in another process (see [`Clock::to_monotonic`]).
    pub fn from_monotonic(origin_nanos: u64, speed: f64) -> Clock {
        let running_for = monotonic_now().saturating_sub(Duration::from_nanos(origin_nanos));
        let start = Instant::now().checked_sub(running_for).unwrap_or_else(Instant::now);
        Clock { start, speed }
    }

    /// The real instant `lesson_secs` from now.
    pub fn deadline(&self, lesson_secs: f64) -> Instant {
        let now = Instant::now();
        // A century stands for "never" where the sum would not fit an Instant.
        now.checked_add(self.real(lesson_secs)).unwrap_or(now + Duration::from_secs(100 * 365 * 86_400))
    }
}

/// `CLOCK_MONOTONIC` now: the clock `Instant` reads, as a number another process
/// can be told.
fn monotonic_now() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_scales_both_ways() {
        let clock = Clock::start(10.0);
        assert_eq!(clock.real(5.0), Duration::from_millis(500));
        assert!((clock.lesson_secs(Duration::from_millis(500)) - 5.0).abs() < 1e-9);
    }

    #[test]
    fn a_clock_survives_the_trip_through_exec() {
        let clock = Clock::start(10.0);
        std::thread::sleep(Duration::from_millis(20));
        let (origin, speed) = clock.to_monotonic();
        let copy = Clock::from_monotonic(origin, speed);
        assert!((copy.now() - clock.now()).abs() < 0.01, "{} vs {}", copy.now(), clock.now());
    }
}
