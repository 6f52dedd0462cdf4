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
    // A pool's pipes; and each step of a spawn: its pipe, the copy it passes, the spawn itself.
    for (lesson, files) in
        [("pool-async", 9), ("start-methods", 4), ("start-methods", 5), ("start-methods", 6)]
    {
        let mut command = bin();
        command.args(["lesson", lesson, "--json", "--quick", "--speed", "10"]).process_group(0);
        // SAFETY: setrlimit is async-signal-safe; this runs between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit { rlim_cur: files, rlim_max: files };
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
        assert_eq!(output.status.code(), Some(1), "{lesson}, {files} files: {err}");
        assert_eq!(err.lines().count(), 1, "{lesson}, {files} files: {err}");
        assert!(
            err.contains("Too many open files") && err.contains("ulimit -n"),
            "{lesson}, {files} files: {err}"
        );
        assert_group_gone(group);
    }
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

/// Runs `lesson <id> --json --quick --speed 100` with `limits` applied between
/// fork and exec (`limits` must be async-signal-safe), marked; returns its exit
/// status and stderr, once nothing of it is left.
fn limited(
    id: &str,
    limits: impl FnMut() -> std::io::Result<()> + Send + Sync + 'static,
) -> Option<(Option<i32>, String)> {
    let state = common::fresh_dir(&format!("limited-{id}"));
    // Another user may have to write there.
    std::fs::set_permissions(&state, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let mut command = bin();
    command
        .args(["lesson", id, "--json", "--quick", "--speed", "100"])
        .env("XDG_STATE_HOME", &state)
        .env("CONCUR_CPYTHON_TIMEOUT", "5")
        .current_dir("/")
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: the caller's limits are async-signal-safe, as code between fork and exec must be.
    unsafe { command.pre_exec(limits) };
    let run = common::mark(&mut command);
    let child = command.spawn().ok()?;
    let group = child.id() as i32;
    let output = child.wait_with_output().unwrap();
    common::assert_nothing_marked_left(&run, Duration::from_millis(100));
    assert_group_gone(group);
    Some((output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned()))
}

/// A lesson run under a limit either works, or ends with one `error:` line
/// naming the limit and status 1: never a panic, never an abort.
fn assert_works_or_says(what: &str, code: Option<i32>, err: &str, limit: &str) {
    assert!(!err.contains("panicked"), "{what}: {err}");
    match code {
        Some(0) => {}
        Some(1) => {
            assert_eq!(err.lines().count(), 1, "{what}: {err}");
            assert!(err.starts_with("error: ") && err.contains(limit), "{what}: {err}");
        }
        other => panic!("{what} ended with {other:?} (a signal, an abort?): {err}"),
    }
}

/// Lessons that start threads, or need memory: those that once panicked or
/// aborted under a limit.
const LIMITED: [&str; 8] =
    ["queue", "threads", "deadlock", "gil", "locks", "queue-deadlock", "pool-async", "producer-consumer"];

#[test]
fn the_thread_limit_is_one_clear_line() {
    // Root is exempt from `ulimit -u`: the lessons run as nobody (uid 65534).
    // SAFETY: geteuid(2) only reads.
    let root = unsafe { libc::geteuid() } == 0;
    let mut refused = 0;
    for processes in [1, 2, 3] {
        for id in LIMITED {
            let limits = move || {
                // SAFETY: plain syscalls between fork and exec.
                unsafe {
                    if root
                        && (libc::setgroups(0, std::ptr::null()) != 0
                            || libc::setgid(65534) != 0
                            || libc::setuid(65534) != 0)
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                    let limit = libc::rlimit { rlim_cur: processes, rlim_max: processes };
                    if libc::setrlimit(libc::RLIMIT_NPROC, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            };
            let Some((code, err)) = limited(id, limits) else {
                eprintln!("skipped: could not run a lesson as an unprivileged user with a process limit");
                return;
            };
            assert_works_or_says(&format!("{id} under ulimit -u {processes}"), code, &err, "ulimit -u");
            refused += usize::from(code == Some(1));
        }
    }
    assert!(refused > 0, "the limit never bit: it tested nothing");
    eprintln!(
        "ulimit -u 1, 2, 3 × {} lessons: {refused} refused in one line, the others ran; 0 panics",
        LIMITED.len()
    );
}

#[test]
fn the_memory_limit_is_one_clear_line() {
    // The smallest address space this binary can start in (its own mappings),
    // then a little more each time, so that the lessons run out at different points.
    let starts_in = |mib: u64| {
        let limits = move || as_limit(mib);
        let mut command = bin();
        command.arg("--version").stdout(Stdio::null()).stderr(Stdio::null());
        // SAFETY: setrlimit is async-signal-safe.
        unsafe { command.pre_exec(limits) };
        command.status().is_ok_and(|status| status.success())
    };
    let Some(base) = (8..200).step_by(2).find(|&mib| starts_in(mib)) else {
        eprintln!("skipped: the binary does not start under any address space limit up to 200 MiB");
        return;
    };
    let mut refused = 0;
    for mib in [base, base + 4, base + 12] {
        // The lessons under one limit at once: each is a process of its own.
        let runs: Vec<(Option<i32>, String)> = std::thread::scope(|s| {
            let runs: Vec<_> =
                LIMITED.iter().map(|id| s.spawn(move || limited(id, move || as_limit(mib)))).collect();
            runs.into_iter().map(|run| run.join().unwrap().expect("the lesson starts")).collect()
        });
        for (id, (code, err)) in LIMITED.iter().zip(runs) {
            assert_works_or_says(&format!("{id} under ulimit -v {}", mib * 1024), code, &err, "ulimit -v");
            refused += usize::from(code == Some(1));
        }
    }
    assert!(refused > 0, "the limit never bit: it tested nothing");
    eprintln!(
        "ulimit -v {base}, {}, {} MiB × {} lessons: {refused} refused in one line, the others ran; 0 panics",
        base + 4,
        base + 12,
        LIMITED.len()
    );
}

/// `ulimit -v` of `mib` MiB. Async-signal-safe.
fn as_limit(mib: u64) -> std::io::Result<()> {
    let limit = libc::rlimit { rlim_cur: mib << 20, rlim_max: mib << 20 };
    // SAFETY: setrlimit only reads the struct it is given.
    if unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
