//! The learner's own code, read back to name things as they wrote them: the
//! call at a line (`p.join()`), the variable a lock was assigned to (`lockA`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Reads and keeps the learner's source files.
#[derive(Default)]
pub struct Code {
    files: HashMap<String, Vec<String>>,
    /// Where paths are shown relative to.
    cwd: PathBuf,
}

impl Code {
    /// Shows paths relative to `cwd`.
    pub fn new(cwd: PathBuf) -> Code {
        Code { files: HashMap::new(), cwd }
    }

    /// `file:line` as the learner would write it: relative to the current folder when inside it.
    pub fn short(&self, site: &str) -> String {
        match site.rsplit_once(':') {
            Some((file, line)) => {
                let path = Path::new(file);
                let shown = path.strip_prefix(&self.cwd).unwrap_or(path);
                format!("{}:{line}", shown.display())
            }
            None => site.to_string(),
        }
    }

    /// The text of line `site` (`file:line`), trimmed, without its comment.
    pub fn line(&mut self, site: &str) -> Option<String> {
        let (file, line) = site.rsplit_once(':')?;
        let number: usize = line.parse().ok()?;
        let lines = self.files.entry(file.to_string()).or_insert_with(|| {
            std::fs::read_to_string(file).map(|t| t.lines().map(str::to_string).collect()).unwrap_or_default()
        });
        let text = lines.get(number.checked_sub(1)?)?;
        Some(without_comment(text).trim().to_string())
    }

    /// The call to method `api` at `site`, as written there (`p.join()`,
    /// `queue.get(timeout=2)`, `with lockA`); else the whole statement.
    pub fn call(&mut self, site: &str, api: &str) -> Option<String> {
        let line = self.line(site)?;
        if let Some(found) = method_call(&line, api) {
            return Some(found);
        }
        if let Some(with) = line.strip_prefix("with ") {
            return Some(format!("with {}", with.trim_end_matches(':').trim()));
        }
        (!line.is_empty()).then_some(line)
    }

    /// The name a value made at `site` was assigned to (`lockA = Lock()` gives `lockA`).
    pub fn assigned(&mut self, site: &str) -> Option<String> {
        let line = self.line(site)?;
        let (target, _) = line.split_once('=')?;
        let target = target.trim();
        let simple = !target.is_empty()
            && !target.starts_with(|c: char| c.is_ascii_digit())
            && target.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.');
        simple.then(|| target.to_string())
    }
}

/// `text` up to a `#` that is not inside a string.
fn without_comment(text: &str) -> &str {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '#') => return &text[..i],
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    text
}

/// `receiver.api(arguments)` in `line`, with its parentheses balanced.
fn method_call(line: &str, api: &str) -> Option<String> {
    let needle = format!(".{api}(");
    let at = line.find(&needle)?;
    let start = line[..at]
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == ']' || c == '['))
        .map_or(0, |i| i + 1);
    let mut depth = 0;
    for (i, c) in line[at..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(line[start..at + i + 1].to_string());
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_names_as_the_learner_wrote_them() {
        assert_eq!(method_call("    p.join()   ", "join").as_deref(), Some("p.join()"));
        assert_eq!(
            method_call("x = qs[0].get(timeout=f(2))", "get").as_deref(),
            Some("qs[0].get(timeout=f(2))")
        );
        assert_eq!(method_call("print(q.get())", "get").as_deref(), Some("q.get()"));
        assert_eq!(without_comment("p.join()  # this deadlocks"), "p.join()  ");
        assert_eq!(without_comment("print('#1')"), "print('#1')");
        let dir = std::env::temp_dir().join(format!("concur-code-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("d.py");
        std::fs::write(&file, "lockA = Lock()\nwith lockA:\n    p.join()  # hangs\n").unwrap();
        let mut code = Code::new(dir.clone());
        let site = |n: usize| format!("{}:{n}", file.display());
        assert_eq!(code.assigned(&site(1)).as_deref(), Some("lockA"));
        assert_eq!(code.call(&site(2), "acquire").as_deref(), Some("with lockA"));
        assert_eq!(code.call(&site(3), "join").as_deref(), Some("p.join()"));
        assert_eq!(code.short(&site(3)), "d.py:3");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
