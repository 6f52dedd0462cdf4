//! Python's `threading.Barrier` is std's [`Barrier`]: every thread that calls
//! `wait` sleeps until the last of them arrives, and then all go on together.
//! A lane's wait at one is drawn on the timeline.

use std::sync::{Barrier, BarrierWaitResult};

use super::lane::Lane;
use crate::events::LaneState;

impl Lane {
    /// Python's `barrier.wait()` in this lane.
    pub fn wait_at(&self, barrier: &Barrier) -> BarrierWaitResult {
        self.set_state(LaneState::Blocked, "barrier.wait()", None);
        let result = barrier.wait();
        self.set_state(LaneState::Running, "barrier.wait() returned", None);
        result
    }
}
