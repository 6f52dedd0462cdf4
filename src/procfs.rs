//! What the kernel shows of a process in `/proc`: its threads' states, the
//! system call each is blocked in and its arguments, its open pipes and
//! sockets, its CPU time, its parent, its exit status once a zombie. The
//! lessons' watchdog and `trace`'s hang diagnosis both read it here.

use std::fmt;

/// What the kernel says a process is doing, read from `/proc/<pid>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcState {
    /// Its main thread.
    pub main: TaskState,
    /// Its other threads (a queue's feeder, say), from `/proc/<pid>/task`.
    pub threads: Vec<ThreadState>,
}

/// What the kernel says one of a process's other threads is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadState {
    /// Its thread id.
    pub tid: i32,
    /// Its name, as the kernel keeps it (`comm`).
    pub name: String,
    /// What it is doing, as for a process.
    pub state: TaskState,
}

/// The state, system call and kernel function of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskState {
    /// The state letter of its `stat`: `R` running, `S` sleeping, `D`
    /// waiting on a device, `T` stopped, `Z` a zombie.
    pub state: char,
    /// The system call it is blocked in, from its `syscall`, when the kernel shows it.
    pub syscall: Option<String>,
    /// That call's first arguments (a file descriptor, a pid, …).
    pub args: Vec<u64>,
    /// The kernel function it sleeps in, from its `wchan`, when shown.
    pub wchan: Option<String>,
}

impl TaskState {
    /// Reads the task whose `/proc` directory is `dir`; `None` when it is gone.
    pub fn read(dir: &str) -> Option<TaskState> {
        let stat = Stat::read(dir)?;
        let call = std::fs::read_to_string(format!("{dir}/syscall")).unwrap_or_default();
        let mut fields = call.split_whitespace();
        let syscall = fields.next().and_then(|nr| nr.parse::<i64>().ok()).map(syscall_name);
        let args =
            fields.take(3).filter_map(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok()).collect();
        let wchan = std::fs::read_to_string(format!("{dir}/wchan"))
            .ok()
            .filter(|name| !name.is_empty() && name != "0");
        Some(TaskState { state: stat.state, syscall, args, wchan })
    }

    /// Whether it sleeps in system call `syscall`.
    pub fn blocked_in(&self, syscall: &str) -> bool {
        self.state == 'S' && self.syscall.as_deref() == Some(syscall)
    }

    /// What the state letter means.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            'R' => "running",
            'S' => "sleeping",
            'D' => "waiting on a device",
            'T' | 't' => "stopped",
            'Z' => "a zombie",
            _ => "in an unusual state",
        }
    }
}

impl ProcState {
    /// Reads the state of process `pid`, and of its other threads; `None` when it is gone.
    pub fn read(pid: i32) -> Option<ProcState> {
        let main = TaskState::read(&format!("/proc/{pid}"))?;
        let mut threads: Vec<ThreadState> = tids(pid)
            .into_iter()
            .filter(|&tid| tid != pid)
            .filter_map(|tid| {
                let dir = format!("/proc/{pid}/task/{tid}");
                let name = std::fs::read_to_string(format!("{dir}/comm")).ok()?.trim_end().to_string();
                Some(ThreadState { tid, name, state: TaskState::read(&dir)? })
            })
            .collect();
        threads.sort_by_key(|thread| thread.tid);
        Some(ProcState { main, threads })
    }

    /// The thread, the main one or another, that sleeps in system call `syscall`:
    /// `None` for none, `Some(None)` for the main thread, `Some(Some(t))` for thread `t`.
    pub fn thread_blocked_in(&self, syscall: &str) -> Option<Option<&ThreadState>> {
        if self.main.blocked_in(syscall) {
            return Some(None);
        }
        self.threads.iter().find(|thread| thread.state.blocked_in(syscall)).map(Some)
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state {} ({})", self.state, self.state_name())?;
        if let Some(syscall) = &self.syscall {
            write!(f, ", blocked in the {syscall}() system call")?;
        }
        if let Some(wchan) = &self.wchan {
            write!(f, ", asleep in the kernel's {wchan}")?;
        }
        Ok(())
    }
}

/// Its main thread's state: the watchdog says each other thread's on a line of its own.
impl fmt::Display for ProcState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.main)
    }
}

/// The thread ids of process `pid` (empty when it is gone).
pub fn tids(pid: i32) -> Vec<i32> {
    numbered(&format!("/proc/{pid}/task"))
}

/// Every pid on the machine (that this process may see).
pub fn pids() -> Vec<i32> {
    numbered("/proc")
}

fn numbered(dir: &str) -> Vec<i32> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .collect()
}

/// The few fields of `/proc/<pid>/stat` the tutor reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    /// The state letter (`R`, `S`, `Z`, …).
    pub state: char,
    /// The parent's pid.
    pub ppid: i32,
    /// The process group.
    pub pgrp: i32,
    /// CPU time used, user and system, in clock ticks.
    pub cpu_ticks: u64,
    /// For a zombie: its status as `waitpid(2)` would report it.
    pub exit_status: Option<i32>,
}

impl Stat {
    /// Reads `<dir>/stat` (`dir` being `/proc/<pid>` or a task's directory).
    pub fn read(dir: &str) -> Option<Stat> {
        let text = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
        // The command name may contain spaces and parentheses: the fields follow the last ')'.
        let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
        let number = |i: usize| fields.get(i).and_then(|f| f.parse::<i64>().ok());
        let state = fields.first()?.chars().next()?;
        Some(Stat {
            state,
            ppid: number(1)? as i32,
            pgrp: number(2)? as i32,
            // utime and stime: fields 14 and 15 of stat(5), counted from the state (3).
            cpu_ticks: (number(11).unwrap_or(0) + number(12).unwrap_or(0)) as u64,
            // exit_code, field 52.
            exit_status: if state == 'Z' { number(49).map(|s| s as i32) } else { None },
        })
    }

    /// Reads process `pid`'s.
    pub fn of(pid: i32) -> Option<Stat> {
        Stat::read(&format!("/proc/{pid}"))
    }
}

/// One pipe or socket a process has open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenFile {
    /// The file descriptor.
    pub fd: i32,
    /// `pipe` or `socket`.
    pub kind: &'static str,
    /// The inode that names it across processes (`pipe:[81234]`).
    pub inode: u64,
    /// Whether it was opened for writing (a pipe's write end).
    pub writes: bool,
}

/// The pipes and sockets process `pid` has open.
pub fn pipes_and_sockets(pid: i32) -> Vec<OpenFile> {
    let mut open = Vec::new();
    for fd in numbered(&format!("/proc/{pid}/fd")) {
        let Ok(target) = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")) else { continue };
        let target = target.to_string_lossy();
        let Some((kind, rest)) = target.split_once(":[") else { continue };
        let kind = match kind {
            "pipe" => "pipe",
            "socket" => "socket",
            _ => continue,
        };
        let Ok(inode) = rest.trim_end_matches(']').parse::<u64>() else { continue };
        let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).unwrap_or_default();
        let flags = info
            .lines()
            .find_map(|line| line.strip_prefix("flags:"))
            .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            .unwrap_or(0);
        let writes = flags & libc::O_ACCMODE as u32 != libc::O_RDONLY as u32;
        open.push(OpenFile { fd, kind, inode, writes });
    }
    open
}

/// The name of system call number `nr` for the few a stuck program can be in.
fn syscall_name(nr: i64) -> String {
    let known = [
        (libc::SYS_futex, "futex"),
        (libc::SYS_write, "write"),
        (libc::SYS_read, "read"),
        (libc::SYS_wait4, "wait4"),
        (libc::SYS_waitid, "waitid"),
        (libc::SYS_clock_nanosleep, "clock_nanosleep"),
        (libc::SYS_ppoll, "ppoll"),
        (libc::SYS_pselect6, "pselect6"),
        (libc::SYS_poll, "poll"),
        (libc::SYS_select, "select"),
        (libc::SYS_epoll_wait, "epoll_wait"),
        (libc::SYS_recvfrom, "recvfrom"),
        (libc::SYS_sendto, "sendto"),
        (libc::SYS_accept4, "accept4"),
    ];
    known
        .iter()
        .find(|(number, _)| *number == nr)
        .map_or(format!("number {nr}"), |(_, name)| name.to_string())
}

/// How many tasks on the machine want a CPU now (`procs_running` in
/// `/proc/stat`), the one asking included; `None` where it does not say.
pub fn running_tasks() -> Option<u32> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines().find_map(|line| line.strip_prefix("procs_running ")?.trim().parse().ok())
}

/// The pids of `parent`'s children, living or zombies.
pub fn children_of(parent: i32) -> Vec<i32> {
    pids().into_iter().filter(|&pid| Stat::of(pid).is_some_and(|stat| stat.ppid == parent)).collect()
}

/// Whether process `pid` is stopped (state `T`, by SIGSTOP or a terminal's
/// Ctrl-Z; `t`, by a debugger): alive, and doing nothing until someone sends
/// it SIGCONT. A wait on it will not end by itself.
pub fn is_stopped(pid: i32) -> bool {
    Stat::of(pid).is_some_and(|stat| matches!(stat.state, 'T' | 't'))
}

/// Whether process `pid` is gone, or a zombie: dead, whatever any record of it
/// (a lock's owner, a task's worker) still says. A pid the kernel gave to
/// another process since would pass for alive; within one lesson pids are not
/// reused that fast.
pub fn is_dead(pid: i32) -> bool {
    Stat::of(pid).is_none_or(|stat| stat.state == 'Z' || stat.state == 'X')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_reads_as_running_with_its_pipes() {
        let me = std::process::id() as i32;
        let stat = Stat::of(me).expect("our own stat");
        assert_eq!(stat.ppid, nix::unistd::getppid().as_raw());
        let tid = nix::unistd::gettid().as_raw();
        let this_thread = Stat::read(&format!("/proc/{me}/task/{tid}")).expect("this thread's stat");
        assert_eq!(this_thread.state, 'R', "the thread reading is running");
        let (read, write) = nix::unistd::pipe().unwrap();
        use std::os::fd::AsRawFd;
        let open = pipes_and_sockets(me);
        let find = |fd: i32| open.iter().find(|f| f.fd == fd).expect("the pipe is listed").clone();
        let (r, w) = (find(read.as_raw_fd()), find(write.as_raw_fd()));
        assert_eq!((r.kind, r.writes, w.writes), ("pipe", false, true));
        assert_eq!(r.inode, w.inode);
    }

    #[test]
    fn this_process_is_alive_and_not_stopped() {
        let me = std::process::id() as i32;
        assert!(!is_dead(me) && !is_stopped(me));
        assert!(children_of(me).iter().all(|&child| Stat::of(child).is_some_and(|s| s.ppid == me)));
    }
}
