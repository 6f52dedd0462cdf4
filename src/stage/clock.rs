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
        Duration::from_secs_f64((lesson_secs / self.speed).max(0.0))
    }

    /// A real duration expressed in lesson seconds.
    pub fn lesson_secs(&self, real: Duration) -> f64 {
        real.as_secs_f64() * self.speed
    }

    /// The real instant `lesson_secs` from now.
    pub fn deadline(&self, lesson_secs: f64) -> Instant {
        Instant::now() + self.real(lesson_secs)
    }
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
}
