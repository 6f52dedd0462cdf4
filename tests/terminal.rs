//! The interactive modes, driven through a real pseudo-terminal: pick a lesson
//! in the menu, step through its pauses, quit; the terminal's modes come back
//! as they were, and no process is left.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::pty::{openpty, Winsize};
use nix::sys::signal::{kill, Signal};
use nix::sys::termios::{tcgetattr, LocalFlags};
use nix::unistd::Pid;
use std::os::unix::process::ExitStatusExt;

use common::{assert_group_gone, bin};

/// The tutor running on the far side of a pseudo-terminal.
struct Pty {
    master: File,
    /// Kept open so the terminal's modes can still be read once the tutor is gone.
    slave: OwnedFd,
    /// The terminal's modes before the tutor started: read after it starts, on
    /// a busy machine, they could already be the ones it set for its first pause.
    before: LocalFlags,
    child: Child,
    seen: String,
}

impl Pty {
    /// Starts `concur-tutor <args>` on a new 100×30 terminal.
    fn start(args: &[&str]) -> Pty {
        let size = Winsize { ws_row: 30, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0 };
        let pty = openpty(Some(&size), None).expect("openpty");
        let before = tcgetattr(&pty.slave).unwrap().local_flags;
        let mut command = bin();
        command
            .args(args)
            .env("TERM", "xterm")
            .stdin(Stdio::from(pty.slave.try_clone().unwrap()))
            .stdout(Stdio::from(pty.slave.try_clone().unwrap()))
            .stderr(Stdio::from(pty.slave.try_clone().unwrap()))
            // A group of its own, to find everything it started. Not a session of
            // its own: the terminal is its standard streams, not its controlling
            // terminal, so its exit does not hang the terminal up (which resets the
            // modes on its own, and would hide whether the tutor restored them).
            .process_group(0);
        // SAFETY: setrlimit is async-signal-safe. No core file when SIGQUIT ends the tutor.
        unsafe {
            command.pre_exec(|| {
                let none = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
                libc::setrlimit(libc::RLIMIT_CORE, &none);
                Ok(())
            });
        }
        let child = command.spawn().expect("start the tutor");
        Pty { master: File::from(pty.master), slave: pty.slave, before, child, seen: String::new() }
    }

    /// Reads until `text` has appeared (after what was already matched), or panics.
    fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = [0u8; 4096];
        while !self.seen.contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "never saw {text:?}; saw:\n{}", self.seen);
            let mut fds = [PollFd::new(self.master.as_fd(), PollFlags::POLLIN)];
            if poll(&mut fds, PollTimeout::try_from(left.as_millis() as i32).unwrap()).unwrap_or(0) == 0 {
                continue;
            }
            match self.master.read(&mut buf) {
                Ok(0) | Err(_) => panic!("the terminal closed before {text:?}; saw:\n{}", self.seen),
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        let end = self.seen.find(text).unwrap() + text.len();
        self.seen.drain(..end);
    }

    fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
    }

    /// Waits for the tutor to exit; its status code (-1 if a signal ended it).
    fn wait(&mut self) -> i32 {
        self.wait_status().code().unwrap_or(-1)
    }

    /// Waits for the tutor to exit; how it ended.
    fn wait_status(&mut self) -> std::process::ExitStatus {
        // Keep draining the terminal so the tutor never blocks on a full one.
        let mut buf = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the tutor did not exit");
            let mut fds = [PollFd::new(self.master.as_fd(), PollFlags::POLLIN)];
            if poll(&mut fds, PollTimeout::from(50u8)).unwrap_or(0) > 0 {
                if let Ok(n) = self.master.read(&mut buf) {
                    self.seen.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        }
    }

    /// Asserts that the terminal's modes are the ones it had before the tutor started.
    fn assert_modes_are_back(&self) {
        let after = tcgetattr(&self.slave).unwrap().local_flags;
        assert!(after.contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG));
        assert_eq!(self.before, after, "the terminal's modes are back");
    }
}

/// A test that fails midway leaves no tutor behind: the tutor holds the
/// terminal's other end too (openpty's descriptors are inherited), so it would
/// never see the terminal close, and would wait for a key forever.
impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn pick_a_lesson_in_the_menu_step_through_two_pauses_quit_back_to_the_menu_and_leave() {
    let mut pty = Pty::start(&[]);
    pty.expect("pick a lesson");
    pty.expect("q quit");
    // Filter down to one lesson, then run it with pauses.
    pty.send("/globals\r");
    pty.send("p");
    pty.expect("scene 1 is about to run");
    pty.send("\r");
    pty.expect("parent starts");
    pty.expect("an explanation comes next");
    pty.send(" ");
    pty.expect("The child saw 101");
    pty.expect("scene 2 is about to run");
    pty.send("q");
    pty.expect("quit at a pause");
    // Quitting at a pause ends the lesson, not the class: the menu comes back.
    pty.expect("back to the menu");
    pty.send("\r");
    pty.expect("pick a lesson");
    pty.send("q");
    let group = pty.child.id() as i32;
    assert_eq!(pty.wait(), 0);
    pty.assert_modes_are_back();
    assert_group_gone(group);
}

/// Ctrl-C while a lesson chosen in the menu runs ends that lesson, every child
/// killed and reaped, and the menu comes back (from the shell it exits 130).
#[test]
fn ctrl_c_in_a_lesson_from_the_menu_comes_back_to_the_menu() {
    let mut pty = Pty::start(&[]);
    pty.expect("pick a lesson");
    pty.send("/join-daemon\r");
    pty.send("\r");
    pty.expect("Main Process:");
    pty.expect("Process start:");
    let tutor = nix::unistd::Pid::from_raw(pty.child.id() as i32);
    let children = common::children_of(tutor.as_raw());
    assert!(!children.is_empty(), "the lesson's children are running");
    nix::sys::signal::kill(tutor, nix::sys::signal::Signal::SIGINT).unwrap();
    pty.expect("interrupted");
    pty.expect("back to the menu");
    for child in children {
        common::assert_gone(child);
    }
    pty.send("\r");
    pty.expect("pick a lesson");
    pty.send("q");
    let group = pty.child.id() as i32;
    assert_eq!(pty.wait(), 0);
    pty.assert_modes_are_back();
    assert_group_gone(group);
}

#[test]
fn sigterm_in_the_menu_gives_the_terminal_back() {
    let mut pty = Pty::start(&[]);
    pty.expect("pick a lesson");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pty.child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(pty.wait(), 143);
    pty.assert_modes_are_back();
}

#[test]
fn ctrl_c_during_a_stepped_lesson_restores_the_terminal_and_reaps() {
    let mut pty = Pty::start(&["lesson", "deadlock", "--scene", "5", "--step", "--speed", "10"]);
    pty.expect("scene 5 is about to run");
    pty.send("\r");
    pty.expect("Process-1");
    let group = pty.child.id() as i32;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(group), nix::sys::signal::Signal::SIGINT).unwrap();
    assert_eq!(pty.wait(), 130);
    pty.assert_modes_are_back();
    assert_group_gone(group);
}

#[test]
fn explore_play_reaches_both_threads_stuck_through_a_resize_and_gives_the_terminal_back() {
    let mut pty = Pty::start(&["explore", "two-locks", "--play"]);
    pty.expect("Goal: get both threads stuck");
    pty.expect("q: quit");
    pty.send("1");
    pty.expect("The schedule so far (1 step)");
    // A narrower terminal: the game is drawn again, to its width.
    let size = Winsize { ws_row: 24, ws_col: 60, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ reads the struct it is given.
    assert_eq!(
        unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&pty.master), libc::TIOCSWINSZ, &size) },
        0
    );
    // The terminal is not the tutor's controlling terminal (see `Pty::start`),
    // so the kernel's SIGWINCH is sent by hand.
    let pid = nix::unistd::Pid::from_raw(pty.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGWINCH).unwrap();
    pty.expect("Goal: get both threads stuck");
    pty.expect("q: quit");
    // Thread-1 takes lockA and prints; Thread-2 takes lockB and prints: both
    // now wait for the other's lock.
    pty.send("122");
    pty.expect("Goal reached in 4 steps.");
    pty.send("1");
    pty.expect("The run is over");
    pty.send("q");
    pty.expect("Goal reached in 4 steps, lanes 1 1 2 2.");
    pty.expect("The goal, \"get both threads stuck\": 6 of 12 schedules (50.0 %) reach it.");
    assert_eq!(pty.wait(), 0);
    pty.assert_modes_are_back();
}

#[test]
fn explore_play_speaks_chinese() {
    let mut pty = Pty::start(&["--lang", "zh", "explore", "two-locks", "--play"]);
    pty.expect("目标：让两个线程都卡住");
    pty.expect("q：退出");
    pty.send("1122");
    pty.expect("用 4 步达成了目标。");
    pty.send("q");
    pty.expect("目标“让两个线程都卡住”：12 种调度中有 6 种（50.0 %）能达到。");
    assert_eq!(pty.wait(), 0);
    pty.assert_modes_are_back();
}

/// Signals whose default action ends a process, besides the interrupts (which
/// exit with 128 + the signal): each restores the terminal, then ends the tutor
/// as the signal would have, so the shell still sees the signal.
const ENDINGS: [Signal; 4] = [Signal::SIGQUIT, Signal::SIGUSR1, Signal::SIGALRM, Signal::SIGUSR2];

#[test]
fn every_ending_signal_at_a_pause_gives_the_terminal_back_and_still_ends_by_it() {
    for signal in ENDINGS {
        let mut pty = Pty::start(&["lesson", "join-daemon", "--scene", "1", "--step", "--speed", "10"]);
        pty.expect("scene 1 is about to run");
        pty.send("\r");
        pty.expect("an explanation comes next");
        let group = pty.child.id() as i32;
        kill(Pid::from_raw(group), signal).unwrap();
        let status = pty.wait_status();
        assert_eq!(status.signal(), Some(signal as i32), "{signal:?}: {status:?}");
        pty.assert_modes_are_back();
        assert_group_gone(group);
    }
}

#[test]
fn every_ending_signal_in_the_menu_gives_the_terminal_back_and_still_ends_by_it() {
    for signal in ENDINGS {
        let mut pty = Pty::start(&[]);
        pty.expect("pick a lesson");
        kill(Pid::from_raw(pty.child.id() as i32), signal).unwrap();
        let status = pty.wait_status();
        assert_eq!(status.signal(), Some(signal as i32), "{signal:?}: {status:?}");
        pty.assert_modes_are_back();
        // And the alternate screen was left, in the last words the tutor wrote.
        let mut rest = [0u8; 4096];
        let mut fds = [PollFd::new(pty.master.as_fd(), PollFlags::POLLIN)];
        while poll(&mut fds, PollTimeout::from(100u8)).unwrap_or(0) > 0 {
            match (&pty.master).read(&mut rest) {
                Ok(n) if n > 0 => pty.seen.push_str(&String::from_utf8_lossy(&rest[..n])),
                _ => break,
            }
        }
        let seen = &pty.seen;
        assert!(seen.contains("\x1b[?1049l"), "{signal:?}: the alternate screen was not left");
    }
}
