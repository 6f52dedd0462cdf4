//! `say` means "the program printed this": each scene's Python, as `show`
//! displays it, run in CPython beside our run of the scene, must print the same
//! lines, lane by lane, in the same order.
//!
//! `tests/cpython/<id>-<n>.py` makes scene n of lesson `id` runnable: the
//! imports, the definitions it takes from an earlier scene, the `__main__`
//! guard, and a `#SCENE` line where the scene's Python goes (indented as that
//! line is), taken from the catalogue, so what runs is what `show` displays.
//! `tests/cpython/preamble.py` goes first: it turns every `print` into a JSON
//! line naming the lane (thread name, else process name, else `main`).
//!
//! Directives at the top of a scene file:
//! - `# lanes: Process-1=p1, Thread-1 (ticker)=ticker`: CPython's lane name =
//!   ours, where the lesson names a lane after the variable the Python binds the
//!   process to, or a thread after its target;
//! - `# compare: prefix`: the Python never ends or hangs for ever, so it is
//!   killed at the timeout and each of its lanes must be a start of ours (ours
//!   goes on after the tutor breaks the hang, so it may have more);
//!   `# compare: pool`: pool workers take tasks in no fixed order, so main's
//!   lines compare in order and the workers' lines as one multiset;
//!   `# compare: all`: asyncio's tasks and ours do not match one to one (an
//!   awaited coroutine is no task of its own in CPython), so all lines compare
//!   as one sequence, lanes aside; `# compare: any`: the same, in any order;
//! - `# timeout: 12`: seconds before CPython's run is killed (default 30);
//! - `# takes: join-daemon-1 run_sleep, deadlock-1 lockA`: definitions (a
//!   `def`, a `class` or an assignment at the top level) taken from an earlier
//!   scene's Python as `show` displays it, put where the `#TAKES` line is;
//! - `# skip: why`: a measurement, whose lines are figures and not prints.
//!
//! Lines compare with every number (pids, times, addresses) read as `#`.
//!
//! The cheap test (always run) checks that every scene has its file. The
//! comparison runs CPython for up to a minute: `CONCUR_CPYTHON=1 cargo test
//! --test cpython_truth -- --nocapture` (or `CONCUR_CPYTHON=queue,locks-4` for
//! some lessons or scenes); its table is also written to
//! `target/tmp/cpython-truth.txt`.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use concur_tutor::catalogue;
use serde_json::Value;

/// Where the scene programs live.
fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cpython")
}

/// One scene's runnable program and how to compare it.
struct SceneProgram {
    id: String,
    n: usize,
    source: String,
    lanes: BTreeMap<String, String>,
    compare: String,
    timeout: f64,
    skip: Option<String>,
}

/// The top-level definition of `name` in `python`: its first line (`def name(`,
/// `class name(`, `name = `) and the indented or blank lines after it.
fn definition(python: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = python.lines().collect();
    let starts = |line: &str| {
        ["def ", "class "]
            .iter()
            .any(|kw| line.strip_prefix(kw).is_some_and(|rest| rest.starts_with(&format!("{name}("))))
            || line.starts_with(&format!("{name} = "))
    };
    let first = lines.iter().position(|line| starts(line))?;
    let rest = lines[first + 1..].iter().take_while(|line| line.is_empty() || line.starts_with(' ')).count();
    Some(lines[first..=first + rest].join("\n").trim_end().to_string() + "\n")
}

/// The Python of scene `scene` (`id-n`) in the catalogue.
fn scene_python(scene: &str) -> Option<&'static str> {
    let (id, n) = scene.rsplit_once('-')?;
    let lesson = catalogue::all().iter().find(|lesson| lesson.id == id)?;
    Some(lesson.scenes.get(n.parse::<usize>().ok()?.checked_sub(1)?)?.python.as_str())
}

impl SceneProgram {
    fn load(id: &str, n: usize, python: &str) -> Result<SceneProgram, String> {
        let path = dir().join(format!("{id}-{n}.py"));
        let template = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut program = SceneProgram {
            id: id.to_string(),
            n,
            source: String::new(),
            lanes: BTreeMap::new(),
            compare: "lanes".to_string(),
            timeout: 30.0,
            skip: None,
        };
        for line in template.lines().take_while(|line| line.starts_with('#')) {
            let Some((key, value)) = line.trim_start_matches('#').trim().split_once(':') else { continue };
            let value = value.trim();
            match key {
                "lanes" => {
                    for pair in value.split(',') {
                        let (cpython, ours) =
                            pair.split_once('=').ok_or(format!("{id}-{n}: lanes {pair}"))?;
                        program.lanes.insert(cpython.trim().to_string(), ours.trim().to_string());
                    }
                }
                "compare" => program.compare = value.to_string(),
                "timeout" => program.timeout = value.parse().map_err(|_| format!("{id}-{n}: timeout"))?,
                "skip" => program.skip = Some(value.to_string()),
                _ => {}
            }
        }
        let mut taken = String::new();
        for line in template.lines().take_while(|line| line.starts_with('#')) {
            let Some(takes) = line.strip_prefix("# takes:") else { continue };
            for take in takes.split(',') {
                let (scene, name) = take.trim().split_once(' ').ok_or(format!("{id}-{n}: takes {take}"))?;
                let found = scene_python(scene).and_then(|python| definition(python, name.trim()));
                taken.push_str(&found.ok_or(format!("{id}-{n}: no {name} in the Python of {scene}"))?);
                taken.push('\n');
            }
        }
        let preamble = std::fs::read_to_string(dir().join("preamble.py")).expect("preamble.py");
        let mut source = preamble;
        let mut placed = 0;
        for line in template.lines() {
            if line == "#TAKES" {
                source.push_str(&taken);
            } else if line.trim() == "#SCENE" {
                let indent = &line[..line.len() - line.trim_start().len()];
                for scene_line in python.trim_end().lines() {
                    if scene_line.is_empty() {
                        source.push('\n');
                    } else {
                        source.push_str(&format!("{indent}{scene_line}\n"));
                    }
                }
                placed += 1;
            } else {
                source.push_str(line);
                source.push('\n');
            }
        }
        if !taken.is_empty() && !template.lines().any(|line| line == "#TAKES") {
            return Err(format!("{}: takes definitions, but has no #TAKES line to put them", path.display()));
        }
        if placed != 1 && program.skip.is_none() {
            return Err(format!("{}: {placed} #SCENE lines, not 1", path.display()));
        }
        program.source = source;
        Ok(program)
    }

    /// The lines CPython printed, as (lane, text), and what it wrote on stderr.
    fn run_cpython(&self, python: &str) -> (Vec<(String, String)>, String) {
        let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cpython");
        std::fs::create_dir_all(&work).expect("a work directory");
        let file = work.join(format!("{}_{}.py", self.id.replace('-', "_"), self.n));
        std::fs::write(&file, &self.source).expect("write the program");
        let mut child = Command::new(python)
            .arg(&file)
            .current_dir(&work)
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let group = child.id() as i32;
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let deadline = Instant::now() + Duration::from_secs_f64(self.timeout);
        let killed = loop {
            if child.try_wait().expect("wait").is_some() || Instant::now() > deadline {
                // The whole group: children a hung program left blocked go too.
                let _ =
                    nix::sys::signal::killpg(nix::unistd::Pid::from_raw(group), nix::sys::signal::SIGKILL);
                let _ = child.wait();
                break Instant::now() > deadline;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let text = out.join().expect("reader");
        let mut err = err.join().expect("reader");
        if killed {
            err.push_str(&format!("(killed after {} s)", self.timeout));
        }
        let lines = text
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .map(|e| {
                let lane = e["lane"].as_str().unwrap_or("?").to_string();
                let lane = self.lanes.get(&lane).cloned().unwrap_or(lane);
                (lane, e["text"].as_str().unwrap_or("").to_string())
            })
            .collect();
        (lines, err)
    }

    /// The lines our run of the scene said, as (lane, text).
    fn run_ours(&self) -> Vec<(String, String)> {
        let n = self.n.to_string();
        common::run_lesson(&self.id, &["--scene", &n])
            .events
            .iter()
            .filter(|e| e["kind"] == "say")
            .map(|e| (e["lane"].as_str().unwrap().to_string(), e["text"].as_str().unwrap().to_string()))
            .collect()
    }

    /// Where CPython's lines and ours tell a different story, if they do.
    fn differ(&self, cpython: &[(String, String)], ours: &[(String, String)]) -> Option<String> {
        let by_lane = |lines: &[(String, String)]| {
            let mut lanes: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (lane, text) in lines {
                lanes.entry(lane.clone()).or_default().push(normalise(text));
            }
            lanes
        };
        let (mut theirs, mut mine) = (by_lane(cpython), by_lane(ours));
        if self.compare == "all" || self.compare == "any" {
            // Tasks on one event loop share a thread: only the order (or the set) of all lines tells.
            let mut both = [cpython, ours]
                .map(|lines| lines.iter().map(|(_, text)| normalise(text)).collect::<Vec<_>>());
            if self.compare == "any" {
                both.iter_mut().for_each(|lines| lines.sort());
            }
            let [theirs, mine] = both;
            let at =
                theirs.iter().zip(&mine).position(|(a, b)| a != b).unwrap_or(theirs.len().min(mine.len()));
            return (theirs != mine).then(|| {
                format!(
                    "line {}: CPython {:?}, ours {:?}",
                    at + 1,
                    theirs.get(at).map_or("(nothing)", |s| s.as_str()),
                    mine.get(at).map_or("(nothing)", |s| s.as_str())
                )
            });
        }
        if self.compare == "pool" {
            for lanes in [&mut theirs, &mut mine] {
                let mut workers: Vec<String> = Vec::new();
                lanes.retain(|lane, lines| {
                    let is_main = lane == "main";
                    if !is_main {
                        workers.append(lines);
                    }
                    is_main
                });
                workers.sort();
                if !workers.is_empty() {
                    lanes.insert("(workers)".to_string(), workers);
                }
            }
        }
        let names = |lanes: &BTreeMap<String, Vec<String>>| lanes.keys().cloned().collect::<Vec<_>>();
        // Where CPython hangs, ours goes on past the tutor's rescue: lanes may print only then.
        let hung = self.compare == "prefix";
        if (hung && !theirs.keys().all(|lane| mine.contains_key(lane)))
            || (!hung && names(&theirs) != names(&mine))
        {
            return Some(format!("lanes: CPython {:?}, ours {:?}", names(&theirs), names(&mine)));
        }
        for (lane, their_lines) in &theirs {
            let my_lines = &mine[lane];
            let same = if self.compare == "prefix" {
                my_lines.starts_with(their_lines)
            } else {
                my_lines == their_lines
            };
            if !same {
                let at = their_lines
                    .iter()
                    .zip(my_lines)
                    .position(|(a, b)| a != b)
                    .unwrap_or(their_lines.len().min(my_lines.len()));
                return Some(format!(
                    "{lane}, line {}: CPython {:?}, ours {:?}",
                    at + 1,
                    their_lines.get(at).map_or("(nothing)", |s| s.as_str()),
                    my_lines.get(at).map_or("(nothing)", |s| s.as_str())
                ));
            }
        }
        None
    }
}

/// `text` with every number (an integer, a decimal, a hex address) read as `#`:
/// pids, times and addresses differ from run to run, what was printed does not.
fn normalise(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_number = c.is_ascii_digit()
            || (c == '-'
                && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
                && (i == 0 || !chars[i - 1].is_alphanumeric()));
        if starts_number && !(i > 0 && (chars[i - 1].is_ascii_alphabetic() || chars[i - 1] == '_')) {
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_hexdigit()
                    || chars[i] == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
                    || chars[i] == 'x' && chars[i - 1] == '0')
            {
                i += 1;
            }
            out.push('#');
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Which scenes `CONCUR_CPYTHON` asks for: `1` or `all` for every scene, else a
/// comma-separated list of lesson ids and `id-n` scenes.
fn wanted(filter: &str, id: &str, n: usize) -> bool {
    filter == "1" || filter == "all" || filter.split(',').any(|w| w == id || w == format!("{id}-{n}"))
}

#[test]
fn every_scene_has_its_cpython_program() {
    let mut problems = Vec::new();
    let mut expected = Vec::new();
    for lesson in catalogue::all() {
        for (i, scene) in lesson.scenes.iter().enumerate() {
            expected.push(format!("{}-{}.py", lesson.id, i + 1));
            if let Err(problem) = SceneProgram::load(&lesson.id, i + 1, &scene.python) {
                problems.push(problem);
            }
        }
    }
    for entry in std::fs::read_dir(dir()).expect("tests/cpython").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name != "preamble.py" && !expected.contains(&name) {
            problems.push(format!("{name}: no such scene"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_say_is_a_line_the_python_prints() {
    let Ok(filter) = std::env::var("CONCUR_CPYTHON") else {
        eprintln!("skipped: set CONCUR_CPYTHON=1 to run every scene's Python in CPython beside ours");
        return;
    };
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let mut programs = Vec::new();
    for lesson in catalogue::all() {
        for (i, scene) in lesson.scenes.iter().enumerate() {
            if wanted(&filter, &lesson.id, i + 1) {
                programs.push(SceneProgram::load(&lesson.id, i + 1, &scene.python).expect("a scene program"));
            }
        }
    }
    // Scenes mostly sleep: run several at once, CPython's beside ours.
    let rows: Vec<(String, Option<String>)> = std::thread::scope(|scope| {
        let chunks: Vec<_> = programs.chunks(programs.len().div_ceil(6).max(1)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let python = python.clone();
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|program| {
                            let name = format!("{}-{}", program.id, program.n);
                            if let Some(why) = &program.skip {
                                return (format!("{name:<22} skipped: {why}"), None);
                            }
                            let (cpython, stderr) = program.run_cpython(&python);
                            let ours = program.run_ours();
                            let verdict = program.differ(&cpython, &ours);
                            let said = format!("{} lines printed, {} said", cpython.len(), ours.len());
                            let last_err = stderr.lines().last().unwrap_or("").to_string();
                            match &verdict {
                                None => (format!("{name:<22} same ({said}) {last_err}"), None),
                                Some(d) => {
                                    (format!("{name:<22} DIFFERENT ({said}): {d} {last_err}"), verdict)
                                }
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a scene runner")).collect()
    });
    let table: Vec<&str> = rows.iter().map(|(row, _)| row.as_str()).collect();
    let table = table.join("\n");
    eprintln!("{table}");
    let _ = std::fs::write(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cpython-truth.txt"), &table);
    let different = rows.iter().filter(|(_, d)| d.is_some()).count();
    assert_eq!(different, 0, "{different} scenes tell another story than their Python:\n{table}");
}

#[test]
fn numbers_read_as_one_mark() {
    assert_eq!(normalise("Process 4812 end."), "Process # end.");
    assert_eq!(normalise("at 0x55dc990d3ed0, -3.25 and 1e"), "at #, # and #");
    assert_eq!(normalise("task-1 and Thread-2 got A"), "task-# and Thread-# got A");
    assert_eq!(normalise("[0, -1, -2]"), "[#, #, #]");
}

#[test]
fn a_scene_takes_a_definition_from_an_earlier_scene() {
    let python = "x = 1\n\ndef f(a):\n    return a\n\n    # still f\nclass C(object):\n    pass\ny = 2\n";
    assert_eq!(definition(python, "f").unwrap(), "def f(a):\n    return a\n\n    # still f\n");
    assert_eq!(definition(python, "C").unwrap(), "class C(object):\n    pass\n");
    assert_eq!(definition(python, "x").unwrap(), "x = 1\n");
    assert!(definition(python, "g").is_none());
}
