//! What the agent (`agent/sitecustomize.py`) reports: one message per event,
//! fields separated by U+001F, a letter first. Times are `CLOCK_MONOTONIC`
//! seconds, the clock `Instant` reads, so they convert to trace time exactly.

/// One message from a traced process.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// The process connected: its pid, parent, name and how it began (`exec`, `fork`).
    Hello { pid: i32, ppid: i32, at: f64, name: String, how: String },
    /// Python named the process (`Process-1`), or it took a role (`forkserver`).
    Named { name: String, daemon: bool, class: String },
    /// A thread printed a line (`whole`: it ended with a new line), on stdout (1) or stderr (2).
    Output { tid: i32, at: f64, stream: u8, whole: bool, text: String },
    /// A thread started.
    ThreadStart { tid: i32, at: f64, name: String, daemon: bool, site: String },
    /// A thread ended.
    ThreadEnd { tid: i32, at: f64 },
    /// A thread blocked.
    Blocked(Blocked),
    /// The thread's wait is over: `ok`, `timeout` or `error`.
    Running { tid: i32, at: f64, outcome: String },
    /// `time.sleep(secs)`.
    Sleeping { tid: i32, at: f64, secs: f64, site: String },
    /// `p.start()` returned: the child's pid and name.
    Started { tid: i32, at: f64, child: i32, name: String },
    /// `p.terminate()` or `p.kill()`.
    Signalled { tid: i32, at: f64, target: i32, signal: String, site: String },
    /// A lock the learner made (at `made`) was taken, at `site`.
    Acquired { tid: i32, at: f64, lock: String, site: String, made: String },
    /// …and released.
    Released { tid: i32, at: f64, lock: String },
    /// `os._exit(code)`.
    Exiting { code: i32 },
    /// The process reaped child `pid` at `at`: a raw wait status.
    Reaped { pid: i32, status: i32, at: f64 },
    /// A `Popen` learned child `pid`'s return code (negative: a signal) at `at`.
    ReturnCode { pid: i32, code: i32, at: f64 },
}

/// A blocking call that really blocked.
#[derive(Clone, Debug, PartialEq)]
pub struct Blocked {
    /// The thread.
    pub tid: i32,
    /// When.
    pub at: f64,
    /// Its timeout in seconds, if it has one.
    pub timeout: Option<f64>,
    /// `join`, `tjoin`, `lock`, `mplock`, `sem`, `cond`, `read`, `write`.
    pub kind: String,
    /// What it waits for: a pid, thread ids, a lock id, an inode.
    pub target: String,
    /// The method the learner called (`join`, `get`, `acquire`, …).
    pub api: String,
    /// `file:line` of the learner's call, `@exit`, or `@lib.py:N`.
    pub site: String,
    /// Details of the kind (a lock's holder, a write's size, …).
    pub extra: String,
}

impl Message {
    /// Parses one message; `None` for anything malformed.
    pub fn parse(bytes: &[u8]) -> Option<Message> {
        let text = String::from_utf8_lossy(bytes);
        let (tag, rest) = text.split_once('\u{1f}').unwrap_or((&text, ""));
        let count = match tag {
            "H" | "O" => 5,
            "B" => 8,
            "T" | "K" => 5,
            "S" => 4,
            "N" | "P" => 4,
            "A" => 5,
            "R" => 3,
            "W" | "C" => 3,
            "E" => 2,
            "U" => 3,
            "X" => 1,
            _ => return None,
        };
        let f: Vec<&str> = rest.splitn(count, '\u{1f}').collect();
        if f.len() != count {
            return None;
        }
        let int = |i: usize| f[i].parse::<i32>().ok();
        let float = |i: usize| f[i].parse::<f64>().ok();
        let s = |i: usize| f[i].to_string();
        Some(match tag {
            "H" => Message::Hello { pid: int(0)?, ppid: int(1)?, at: float(2)?, name: s(3), how: s(4) },
            "N" => Message::Named { name: s(0), daemon: f[2] == "1", class: s(3) },
            "O" => Message::Output {
                tid: int(0)?,
                at: float(1)?,
                stream: f[2].parse().ok()?,
                whole: f[3] == "1",
                text: s(4),
            },
            "T" => Message::ThreadStart {
                tid: int(0)?,
                at: float(1)?,
                name: s(2),
                daemon: f[3] == "1",
                site: s(4),
            },
            "E" => Message::ThreadEnd { tid: int(0)?, at: float(1)? },
            "B" => Message::Blocked(Blocked {
                tid: int(0)?,
                at: float(1)?,
                timeout: float(2),
                kind: s(3),
                target: s(4),
                api: s(5),
                site: s(6),
                extra: s(7),
            }),
            "R" => Message::Running { tid: int(0)?, at: float(1)?, outcome: s(2) },
            "P" => Message::Sleeping { tid: int(0)?, at: float(1)?, secs: float(2)?, site: s(3) },
            "S" => Message::Started { tid: int(0)?, at: float(1)?, child: int(2)?, name: s(3) },
            "K" => {
                Message::Signalled { tid: int(0)?, at: float(1)?, target: int(2)?, signal: s(3), site: s(4) }
            }
            "A" => Message::Acquired { tid: int(0)?, at: float(1)?, lock: s(2), site: s(3), made: s(4) },
            "U" => Message::Released { tid: int(0)?, at: float(1)?, lock: s(2) },
            "X" => Message::Exiting { code: int(0)? },
            "W" => Message::Reaped { pid: int(0)?, status: int(1)?, at: float(2)? },
            "C" => Message::ReturnCode { pid: int(0)?, code: int(1)?, at: float(2)? },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_keeps_every_character_after_its_fields() {
        let m = Message::parse("O\u{1f}7\u{1f}1.5\u{1f}1\u{1f}1\u{1f}a\u{1f}b\tc".as_bytes()).unwrap();
        assert_eq!(
            m,
            Message::Output { tid: 7, at: 1.5, stream: 1, whole: true, text: "a\u{1f}b\tc".into() }
        );
    }

    #[test]
    fn a_wait_without_timeout_and_garbage() {
        let m = Message::parse(
            "B\u{1f}7\u{1f}1.5\u{1f}\u{1f}join\u{1f}42\u{1f}join\u{1f}d.py:9\u{1f}".as_bytes(),
        );
        let Some(Message::Blocked(b)) = m else { panic!("{m:?}") };
        assert_eq!((b.timeout, b.kind.as_str(), b.site.as_str()), (None, "join", "d.py:9"));
        assert_eq!(Message::parse(b"Z\x1f1"), None);
        assert_eq!(Message::parse(b"R\x1f1"), None);
    }
}
