//! Signals in the main program, caught the way CPython catches them: the real
//! handler only notes that the signal came, by writing a byte to a pipe (as
//! CPython's `signal.set_wakeup_fd` does), and the program reacts at its next
//! chance, in ordinary code. signal-hook installs that handler; the Stage's
//! waits watch the pipe beside the children's.

use std::io::{ErrorKind, Read};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

use anyhow::Context;
use nix::sys::signal::{kill, Signal};
use signal_hook::SigId;

use super::wait::Wait;
use super::{Proc, Stage};

/// A signal the main program catches (see [`Stage::catch`]). Dropping it
/// takes the handler away again.
pub struct Caught {
    wakeup: UnixStream,
    id: SigId,
}

impl Drop for Caught {
    fn drop(&mut self) {
        signal_hook::low_level::unregister(self.id);
    }
}

impl Stage {
    /// Python's `signal.signal(sig, handler)` in the main program: from now on
    /// `sig` is caught, so that it wakes [`Stage::signal_pause`] instead of doing its
    /// default action (for SIGCHLD, nothing at all).
    pub fn catch(&mut self, signal: Signal) -> anyhow::Result<Caught> {
        let (wakeup, write_end) = UnixStream::pair().context("could not make a wake-up pipe")?;
        wakeup.set_nonblocking(true)?;
        let id = signal_hook::low_level::pipe::register(signal as i32, write_end)
            .with_context(|| format!("could not catch {}", signal.as_str()))?;
        Ok(Caught { wakeup, id })
    }

    /// Python's `signal.pause()`: sleeps until the caught signal arrives,
    /// narrating the children meanwhile.
    pub fn signal_pause(&mut self, caught: &Caught) {
        // A wait like any other, on the wake-up pipe. It reads the children's
        // pipes even when the signal has already come, so that what they said
        // before it is shown before whatever main says next.
        self.wait_for(Wait::blocked("signal.pause()").readable(caught.wakeup.as_fd()), |_| false);
        drain(&caught.wakeup);
    }

    /// Python's `os.kill(p.pid, sig)`: sends `sig` to child `p`, if it is
    /// still running. Like Python, it does not wait for what follows.
    pub fn os_kill(&mut self, p: Proc, sig: Signal) {
        if self.children[p.0].is_alive() {
            let _ = kill(self.children[p.0].pid, sig);
        }
    }
}

/// Reads every byte waiting in the wake-up pipe.
fn drain(mut wakeup: &UnixStream) {
    let mut buf = [0u8; 64];
    loop {
        match wakeup.read(&mut buf) {
            Ok(n) if n > 0 => {}
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            _ => return,
        }
    }
}
