//! Misuse, limits and odd surroundings: random command lines never panic; a
//! stdout that is a file, TERM=dumb, NO_COLOR or no terminal give plain, correct
//! output; a lesson that runs out of file descriptors says so in one line and
//! leaves nothing behind.

mod common;

use std::os::unix::process::CommandExt;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_group_gone, bin};

/// Words random command lines are made of: real ones, near misses, junk.
const WORDS: &[&str] = &[
    "lesson",
    "list",
    "show",
    "quiz",
    "progress",
    "completions",
    "man",
    "help",
    "--json",
    "--speed",
    "--scene",
    "--quick",
    "--step",
    "--predict",
    "--color",
    "--reset",
    "--help",
    "--version",
    "-h",
    "-V",
    "join-daemon",
    "globals",
    "pipe",
    "costs",
    "deadlok",
    "bash",
    "tcsh",
    "always",
    "never",
    "auto",
    "0",
    "-1",
    "1e309",
    "NaN",
    "2",
    "99",
    "",
    " ",
    "--",
    "-",
    "--speed=",
    "--scene=1",
    "漢字",
    "\u{7f}",
    "'",
    "$(id)",
    "%s%n",
];

/// Runs the tutor with `args`, ending it after `limit` if it is still running
/// (a valid lesson, happily at work).
fn run_for_at_most(args: &[String], limit: Duration) -> (Option<i32>, Output) {
    let mut child = bin()
        .args(args)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let group = child.id() as i32;
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(group), nix::sys::signal::Signal::SIGTERM);
    let output = child.wait_with_output().unwrap();
    assert_group_gone(group);
    (output.status.code(), output)
}

#[test]
fn random_command_lines_never_panic() {
    let mut rng = fastrand::Rng::with_seed(42);
    let runs = std::env::var("CONCUR_FUZZ").ok().and_then(|n| n.parse().ok()).unwrap_or(150);
    for _ in 0..runs {
        let args: Vec<String> =
            (0..rng.usize(0..5)).map(|_| WORDS[rng.usize(..WORDS.len())].to_string()).collect();
        let (code, output) = run_for_at_most(&args, Duration::from_secs(2));
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        match code {
            Some(2) => {
                assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
                assert!(err.starts_with("error: "), "{args:?}: {err}");
            }
            // Done, a lesson's own failure, or ended by us while it ran.
            Some(0) | Some(1) | Some(143) => {}
            other => panic!("{args:?} ended with {other:?}: {err}"),
        }
    }
}

#[test]
fn plain_output_for_files_dumb_terminals_and_no_color() {
    for env in [("TERM", "dumb"), ("NO_COLOR", "1"), ("CONCUR_NOTHING", "")] {
        let output = bin().env(env.0, env.1).args(["lesson", "globals", "--speed", "10"]).output().unwrap();
        assert!(output.status.success());
        let out = String::from_utf8(output.stdout).unwrap();
        assert!(!out.contains('\x1b'), "{env:?}: escape codes in a file");
        assert!(out.contains("parent ends. num: 100"), "{env:?}");
    }
    let forced = bin().args(["list", "--color", "always"]).output().unwrap();
    assert!(String::from_utf8(forced.stdout).unwrap().contains('\x1b'));
}

#[test]
fn running_out_of_file_descriptors_is_one_clear_line() {
    let mut command = bin();
    command.args(["lesson", "pool-async", "--json", "--speed", "10"]).process_group(0);
    // SAFETY: setrlimit is async-signal-safe; this runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: 9, rlim_max: 9 };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let group = child.id() as i32;
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("Too many open files") && err.contains("ulimit -n"), "{err}");
    assert_group_gone(group);
}

#[test]
fn arguments_that_are_not_utf8_get_one_line_and_status_2() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    for args in
        [vec![OsStr::from_bytes(b"\xff")], vec![OsStr::new("lesson"), OsStr::from_bytes(b"glob\xffals")]]
    {
        let output = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: ") && !err.contains("panicked"), "{err}");
    }
}
