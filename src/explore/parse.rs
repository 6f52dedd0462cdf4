//! The steps format: a small program a learner can write, one atomic step a
//! line, in Python's own syntax where it has one. [`FORMAT`] describes it
//! (it is `explore --help`'s text); [`parse`] reads it into a [`Program`], or
//! says which line is wrong and why.

use std::collections::HashMap;
use std::fmt;

use super::program::{Arg, Bin, Condition, Expr, Goal, Int, Lock, Op, Place, Program, Queue, Step, Thread};

/// The format, as `explore --help` shows it.
pub const FORMAT: &str = "\
The steps format (explore FILE):

A program is its shared things, then its threads. Each line of a thread is one
atomic step: no other thread runs in the middle of a line.

  v = 0                  a shared integer (True is 1, False is 0)
  l = Lock()             a lock
  c = Condition()        a condition, with a lock of its own
  q = Queue(2)           a queue that holds 2 integers at most

  thread p1:             a thread (9 at most), its steps indented below it
      t = v              a step: read v into t, a local of p1
      t = t + 1          a step: compute (+ - * == != < <= > >= and or not)
      v = t              a step: write v. On one line, `v = v + 1` or `v += 1`
                         is one step: an atomic add, which no one can split
      for _ in range(5): its body, 5 times over; the loop is not a step
      with l:            l.acquire(), the body, then l.release(): steps
      if not q.full():   the test is a step, then the body (else: too)
      while v < 3:       the test is a step, each time round
      l.acquire()  l.release()  q.put(t)  t = q.get()  c.wait()
      c.notify()  c.notify_all()  print(\"got\", t)  assert v > 0  pass

  goal \"make v end below 20\": done and v < 20
                         what --play asks for, true of a state: `done` (every
                         thread finished), `stuck` (no thread can step: a
                         deadlock), and the shared values

time.sleep() is left out: a schedule can run any thread at any moment, however
long the others sleep. A schedule ends when every thread has finished, when no
thread can step (a deadlock), or when an assert fails or a thread does what
Python refuses (releasing a lock nobody holds, wait() or notify() without the
condition's lock). Comments start with #; indent with spaces.

To start from one of the notes' programs: `concur-tutor explore adders --steps >
mine.steps`, change mine.steps, then `concur-tutor explore mine.steps`.";

/// The most threads a program may have: the keys 1 to 9 step them in the game.
pub const MAX_THREADS: usize = 9;
/// The most rounds a `for` loop may have.
const MAX_ROUNDS: i64 = 100;
/// The most steps a thread may have once its loops are unrolled.
const MAX_STEPS: usize = 10_000;

/// A mistake in a program's text: the line (from 1; 0 for the whole file) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The line, from 1; 0 when the mistake is the whole file's.
    pub line: usize,
    /// What is wrong, and what to write instead.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError { line, message: message.into() })
}

/// Reads `text`, a program in the steps format called `name`.
///
/// # Errors
/// The first mistake found, with its line.
pub fn parse(name: &str, text: &str) -> Result<Program, ParseError> {
    let lines = lines(text)?;
    let mut parser = Parser { lines: &lines, at: 0, names: HashMap::new(), decl: Decls::default() };
    parser.file(name, text)
}

/// A line with something on it.
#[derive(Debug)]
struct Line {
    no: usize,
    indent: usize,
    /// The line without its indent and comment.
    text: String,
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Name(String),
    Int(i64),
    Str(String),
    Sym(&'static str),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Name(name) => write!(f, "{name}"),
            Token::Int(n) => write!(f, "{n}"),
            Token::Str(s) => write!(f, "\"{s}\""),
            Token::Sym(s) => write!(f, "{s}"),
        }
    }
}

/// The symbols, the longest first so that `<=` is not read as `<`.
const SYMBOLS: [&str; 17] =
    ["==", "!=", "<=", ">=", "+=", "-=", "(", ")", ":", ",", ".", "=", "<", ">", "+", "-", "*"];

fn lines(text: &str) -> Result<Vec<Line>, ParseError> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let content = strip_comment(raw).trim_end();
        let body = content.trim_start();
        if body.is_empty() {
            continue;
        }
        let lead = &content[..content.len() - body.len()];
        if lead.contains('\t') {
            return err(no, "indent with spaces, not tabs");
        }
        let tokens = if let Some(rest) = body.strip_prefix("thread ") {
            // A lane's name may have dashes (`Thread-1`), so it is not tokenised.
            let name = rest.trim().strip_suffix(':').map(str::trim_end);
            let mut tokens = vec![Token::Name("thread".into())];
            if let Some(name) = name {
                tokens.push(Token::Str(name.to_string()));
                tokens.push(Token::Sym(":"));
            }
            tokens
        } else {
            tokenize(no, body)?
        };
        lines.push(Line { no, indent: lead.len(), text: body.to_string(), tokens });
    }
    Ok(lines)
}

/// `line` without its comment (a `#` outside a string).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (c, quote) {
            ('#', None) => return &line[..i],
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            _ => {}
        }
    }
    line
}

fn tokenize(no: usize, text: &str) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            tokens.push(Token::Name(rest[..end].to_string()));
            rest = &rest[end..];
        } else if c.is_ascii_digit() {
            let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
            let Ok(n) = rest[..end].parse::<i32>() else {
                return err(no, format!("{} is too big: numbers go up to {}", &rest[..end], i32::MAX));
            };
            tokens.push(Token::Int(n.into()));
            rest = &rest[end..];
        } else if c == '"' || c == '\'' {
            let Some(end) = rest[1..].find(c) else {
                return err(no, format!("this string has no closing {c}"));
            };
            tokens.push(Token::Str(rest[1..1 + end].to_string()));
            rest = &rest[end + 2..];
        } else if let Some(symbol) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
            tokens.push(Token::Sym(symbol));
            rest = &rest[symbol.len()..];
        } else {
            return err(no, format!("unexpected character '{c}'"));
        }
    }
    Ok(tokens)
}

/// What a name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int(usize),
    Lock(usize),
    Queue(usize),
    Cond(usize),
    Thread,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Int(_) => "a shared integer",
            Kind::Lock(_) => "a Lock",
            Kind::Queue(_) => "a Queue",
            Kind::Cond(_) => "a Condition",
            Kind::Thread => "a thread",
        }
    }
}

#[derive(Default)]
struct Decls {
    ints: Vec<Int>,
    locks: Vec<Lock>,
    queues: Vec<Queue>,
    conditions: Vec<Condition>,
}

/// A statement of a thread, before its loops are unrolled.
enum Stmt {
    Step(Step),
    If { test: Step, then: Vec<Stmt>, otherwise: Vec<Stmt> },
    While { test: Step, body: Vec<Stmt> },
    For { rounds: u32, body: Vec<Stmt> },
    With { line: usize, text: String, lock: usize, body: Vec<Stmt> },
    Wait { line: usize, text: String, cond: usize },
    Pass,
}

struct Parser<'l> {
    lines: &'l [Line],
    at: usize,
    /// Every name declared at the top, and the line that declared it.
    names: HashMap<String, (Kind, usize)>,
    decl: Decls,
}

/// A thread's locals, as its lines set them.
#[derive(Default)]
struct Locals {
    names: Vec<String>,
}

impl Locals {
    fn get(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn get_or_add(&mut self, name: &str) -> usize {
        self.get(name).unwrap_or_else(|| {
            self.names.push(name.to_string());
            self.names.len() - 1
        })
    }
}

/// Where an expression is read: in a thread (with its locals) or in the goal.
enum Scope<'a> {
    Thread(&'a Locals),
    Goal,
}

impl Parser<'_> {
    fn file(&mut self, name: &str, text: &str) -> Result<Program, ParseError> {
        let mut threads = Vec::new();
        let mut goal: Option<(Goal, usize)> = None;
        let lines = self.lines;
        while let Some(line) = lines.get(self.at) {
            if line.indent > 0 {
                return err(line.no, "unexpected indent: only a thread's steps are indented");
            }
            match line.tokens.first() {
                Some(Token::Name(word)) if word == "thread" => {
                    if threads.len() == MAX_THREADS {
                        return err(
                            line.no,
                            format!("{MAX_THREADS} threads at most (the keys 1 to 9 step them)"),
                        );
                    }
                    threads.push(self.thread()?);
                }
                Some(Token::Name(word)) if word == "goal" => {
                    if let Some((_, first)) = &goal {
                        return err(line.no, format!("a program has one goal, and it is on line {first}"));
                    }
                    goal = Some((self.goal(line)?, line.no));
                    self.at += 1;
                }
                _ => {
                    if let Some(first) = threads.first().map(|t: &Thread| t.lines[0].0) {
                        return err(
                            line.no,
                            format!(
                                "declare shared things before the first thread (line {first}); at the top \
                                 level only `thread name:` and `goal` may follow it"
                            ),
                        );
                    }
                    self.declaration(line)?;
                    self.at += 1;
                }
            }
        }
        if threads.is_empty() {
            return err(
                0,
                "the program has no thread: add one with `thread name:` and its steps indented below",
            );
        }
        let decl = std::mem::take(&mut self.decl);
        Ok(Program::new(
            name.to_string(),
            text.to_string(),
            decl.ints,
            decl.locks,
            decl.queues,
            decl.conditions,
            threads,
            goal.map(|(goal, _)| goal),
        ))
    }

    /// `v = 0`, `l = Lock()`, `q = Queue(2)`, `c = Condition()`.
    fn declaration(&mut self, line: &Line) -> Result<(), ParseError> {
        let shape = "at the top level, declare what the threads share: `v = 0`, `l = Lock()`, \
                     `c = Condition()` or `q = Queue(2)`";
        let (name, value) = match line.tokens.as_slice() {
            [Token::Name(name), Token::Sym("="), value @ ..] if !value.is_empty() => (name, value),
            _ => return err(line.no, shape),
        };
        self.check_new_name(line.no, name)?;
        let kind = match value {
            [Token::Name(t)] if t == "True" || t == "False" => self.int(name, i32::from(t == "True")),
            [Token::Int(n)] => self.int(name, *n as i32),
            [Token::Sym("-"), Token::Int(n)] => self.int(name, -(*n as i32)),
            [Token::Name(t), Token::Sym("("), Token::Sym(")")] if t == "Lock" => {
                self.decl.locks.push(Lock { name: name.clone(), of_condition: false });
                Kind::Lock(self.decl.locks.len() - 1)
            }
            [Token::Name(t), Token::Sym("("), Token::Sym(")")] if t == "Condition" => {
                self.decl.locks.push(Lock { name: name.clone(), of_condition: true });
                let lock = self.decl.locks.len() - 1;
                self.decl.conditions.push(Condition { name: name.clone(), lock });
                Kind::Cond(self.decl.conditions.len() - 1)
            }
            [Token::Name(t), Token::Sym("("), Token::Int(n), Token::Sym(")")] if t == "Queue" && *n > 0 => {
                self.decl.queues.push(Queue { name: name.clone(), size: *n as usize });
                Kind::Queue(self.decl.queues.len() - 1)
            }
            [Token::Name(t), ..] if t == "Queue" => {
                return err(
                    line.no,
                    "give the queue a size of 1 or more, as in `q = Queue(2)`: the explorer needs every \
                     queue bounded",
                );
            }
            [Token::Name(t), ..] if t == "RLock" || t == "Semaphore" || t == "Event" => {
                return err(line.no, format!("{t} is not modelled: use Lock(), Condition() or Queue(n)"))
            }
            _ => return err(line.no, shape),
        };
        self.names.insert(name.clone(), (kind, line.no));
        Ok(())
    }

    fn int(&mut self, name: &str, initial: i32) -> Kind {
        self.decl.ints.push(Int { name: name.to_string(), initial });
        Kind::Int(self.decl.ints.len() - 1)
    }

    fn check_new_name(&self, no: usize, name: &str) -> Result<(), ParseError> {
        if let Some((_, first)) = self.names.get(name) {
            return err(no, format!("'{name}' is already declared on line {first}"));
        }
        if is_keyword(name) {
            return err(no, format!("'{name}' is a word of the format, not a name"));
        }
        Ok(())
    }

    /// `goal "words": test` or `goal: test`.
    fn goal(&self, line: &Line) -> Result<Goal, ParseError> {
        let (text, rest) = match line.tokens.as_slice() {
            [_, Token::Str(text), Token::Sym(":"), rest @ ..] => (Some(text.clone()), rest),
            [_, Token::Sym(":"), rest @ ..] => (None, rest),
            _ => {
                return err(
                    line.no,
                    "write a goal as `goal \"in words\": test`, e.g. `goal \"get both stuck\": stuck`",
                )
            }
        };
        if rest.is_empty() {
            return err(line.no, "the goal has no test after ':' (e.g. `stuck`, or `done and v < 20`)");
        }
        let test = self.expression(line.no, rest, &Scope::Goal)?;
        let written = line.text.split_once(':').map_or("", |(_, t)| t.trim()).to_string();
        Ok(Goal { text: text.unwrap_or(written), test })
    }

    /// `thread name:` and its indented block.
    fn thread(&mut self) -> Result<Thread, ParseError> {
        let all = self.lines;
        let line = &all[self.at];
        let name = match line.tokens.as_slice() {
            [_, Token::Str(name), Token::Sym(":")] => name.clone(),
            _ => return err(line.no, "write a thread as `thread name:`, its steps indented below"),
        };
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        {
            return err(line.no, format!("'{name}' cannot name a thread: use letters, digits, _ and -"));
        }
        self.check_new_name(line.no, &name)?;
        self.names.insert(name.clone(), (Kind::Thread, line.no));
        let header = (line.no, line.text.clone());
        let first = self.at;
        self.at += 1;
        let mut locals = Locals::default();
        let body = self.block(0, &line.text, &mut locals)?;
        let mut lines = vec![header];
        lines.extend(
            all[first + 1..self.at].iter().map(|l| (l.no, format!("{}{}", " ".repeat(l.indent), l.text))),
        );
        let mut steps = Vec::new();
        compile(&body, None, &mut steps);
        if steps.len() > MAX_STEPS {
            return err(
                line.no,
                format!("{name} has {} steps once its loops are unrolled: {MAX_STEPS} at most", steps.len()),
            );
        }
        Ok(Thread { name, lines, locals: locals.names, steps })
    }

    /// The lines indented deeper than `outer`, after the line `opener`.
    fn block(&mut self, outer: usize, opener: &str, locals: &mut Locals) -> Result<Vec<Stmt>, ParseError> {
        let lines = self.lines;
        let indent = match lines.get(self.at) {
            Some(line) if line.indent > outer => line.indent,
            Some(line) => return err(line.no, format!("expected an indented block after `{opener}`")),
            None => {
                let last = self.lines.last().map_or(0, |l| l.no);
                return err(last, format!("expected an indented block after `{opener}`"));
            }
        };
        let mut body = Vec::new();
        while let Some(line) = lines.get(self.at) {
            if line.indent <= outer {
                break;
            }
            if line.indent > indent {
                return err(line.no, "unexpected indent");
            }
            if line.indent < indent {
                return err(line.no, "this line's indent matches no block above it");
            }
            body.push(self.statement(indent, locals)?);
        }
        Ok(body)
    }

    fn statement(&mut self, indent: usize, locals: &mut Locals) -> Result<Stmt, ParseError> {
        let lines = self.lines;
        let line = &lines[self.at];
        let (no, text) = (line.no, line.text.clone());
        let tokens = line.tokens.as_slice();
        let step = |op: Op| Step { line: no, text: text.clone(), detail: None, op, round: None };
        let opener = |keyword: &str| -> Result<&[Token], ParseError> {
            match tokens {
                [_, middle @ .., Token::Sym(":")] if !middle.is_empty() => Ok(middle),
                _ if tokens.contains(&Token::Sym(":")) => err(
                    no,
                    format!("put the body of `{keyword}` on the lines below, indented, not after the ':'"),
                ),
                _ => err(no, format!("`{keyword}` needs a test and a ':' (e.g. `{keyword} v < 3:`)")),
            }
        };
        self.at += 1;
        let stmt = match tokens {
            [Token::Name(w), ..] if w == "if" => {
                let test = self.expression(no, opener("if")?, &Scope::Thread(locals))?;
                let then = self.block(indent, &text, locals)?;
                let otherwise = match lines.get(self.at) {
                    Some(next)
                        if next.indent == indent
                            && next.tokens.first() == Some(&Token::Name("else".into())) =>
                    {
                        if next.tokens.len() != 2 || next.tokens[1] != Token::Sym(":") {
                            return err(next.no, "write `else:` alone on its line, its body indented below");
                        }
                        let else_text = next.text.clone();
                        self.at += 1;
                        self.block(indent, &else_text, locals)?
                    }
                    _ => Vec::new(),
                };
                Stmt::If { test: step(Op::Test(test, 0)), then, otherwise }
            }
            [Token::Name(w), ..] if w == "else" => return err(no, "`else:` without an `if` just above it"),
            [Token::Name(w), ..] if w == "while" => {
                let test = self.expression(no, opener("while")?, &Scope::Thread(locals))?;
                let body = self.block(indent, &text, locals)?;
                Stmt::While { test: step(Op::Test(test, 0)), body }
            }
            [Token::Name(w), ..] if w == "for" => {
                let range = match tokens {
                    [_, Token::Name(_), Token::Name(i), Token::Name(r), Token::Sym("("), rest @ ..]
                        if i == "in" && r == "range" =>
                    {
                        rest
                    }
                    _ => &[],
                };
                let [Token::Int(rounds), Token::Sym(")"), Token::Sym(":")] = range else {
                    return err(no, "a loop is `for _ in range(N):` with a number N");
                };
                let rounds = *rounds;
                if !(1..=MAX_ROUNDS).contains(&rounds) {
                    return err(no, format!("range({rounds}): a loop runs 1 to {MAX_ROUNDS} times here"));
                }
                let body = self.block(indent, &text, locals)?;
                Stmt::For { rounds: rounds as u32, body }
            }
            [Token::Name(w), ..] if w == "with" => {
                let lock = match tokens {
                    [_, Token::Name(name), Token::Sym(":")] => self.lock(no, name)?,
                    _ => return err(no, "write `with l:`, where l is a Lock or a Condition"),
                };
                let body = self.block(indent, &text, locals)?;
                Stmt::With { line: no, text, lock, body }
            }
            [Token::Name(w)] if w == "pass" => Stmt::Pass,
            [Token::Name(w), rest @ ..] if w == "assert" => {
                if rest.is_empty() {
                    return err(no, "assert what? (e.g. `assert v > 0`)");
                }
                Stmt::Step(step(Op::Assert(self.expression(no, rest, &Scope::Thread(locals))?)))
            }
            [Token::Name(w), Token::Sym("("), args @ .., Token::Sym(")")] if w == "print" => {
                Stmt::Step(step(Op::Print(self.print_args(no, args, locals)?)))
            }
            [Token::Name(m), Token::Sym("."), Token::Name(s), ..] if (m == "time" && s == "sleep") => {
                return err(no, SLEEP);
            }
            [Token::Name(s), Token::Sym("("), ..] if s == "sleep" => return err(no, SLEEP),
            [Token::Name(object), Token::Sym("."), Token::Name(method), Token::Sym("("), args @ .., Token::Sym(")")] => {
                match self.call(no, object, method, args, locals)? {
                    Call::Step(op) => Stmt::Step(step(op)),
                    Call::Wait(cond) => Stmt::Wait { line: no, text, cond },
                }
            }
            [Token::Name(target), Token::Sym(op @ ("=" | "+=" | "-=")), value @ ..] if !value.is_empty() => {
                self.assignment(no, target, op, value, locals, step)?
            }
            _ => {
                return err(
                    no,
                    format!(
                        "cannot read `{text}`: a step is an assignment (`t = v`), a call (`l.acquire()`, \
                         `q.put(1)`, `print(v)`), `assert`, `pass`, or a block (`if`, `else`, `while`, \
                         `for _ in range(N)`, `with`)"
                    ),
                )
            }
        };
        Ok(stmt)
    }

    fn assignment(
        &self,
        no: usize,
        target: &str,
        op: &str,
        value: &[Token],
        locals: &mut Locals,
        step: impl Fn(Op) -> Step,
    ) -> Result<Stmt, ParseError> {
        if is_keyword(target) {
            return err(no, format!("'{target}' is a word of the format, not a name"));
        }
        let place = match (self.names.get(target), locals.get(target)) {
            (Some((Kind::Int(i), _)), _) => Place::Shared(*i),
            (Some((kind, _)), _) => {
                return err(no, format!("'{target}' is {}: it cannot be assigned", kind.noun()))
            }
            (None, Some(i)) => Place::Local(i),
            (None, None) if op != "=" => {
                return err(no, format!("'{target}' is read before anything sets it"))
            }
            // A new local: its value is read before the name exists, so that
            // `t = t + 1` on a thread's first line is refused.
            (None, None) => {
                let op = match value {
                    [Token::Name(q), Token::Sym("."), Token::Name(m), Token::Sym("("), Token::Sym(")")]
                        if m == "get" =>
                    {
                        Op::Get(self.queue(no, q, "get")?, None)
                    }
                    _ => Op::Set(Place::Local(0), self.expression(no, value, &Scope::Thread(locals))?),
                };
                let local = Place::Local(locals.get_or_add(target));
                let op = match op {
                    Op::Get(q, _) => Op::Get(q, Some(local)),
                    Op::Set(_, expr) => Op::Set(local, expr),
                    other => other,
                };
                return Ok(Stmt::Step(step(op)));
            }
        };
        if let [Token::Name(q), Token::Sym("."), Token::Name(m), Token::Sym("("), Token::Sym(")")] = value {
            if m == "get" && op == "=" {
                return Ok(Stmt::Step(step(Op::Get(self.queue(no, q, "get")?, Some(place)))));
            }
        }
        let mut expr = self.expression(no, value, &Scope::Thread(locals))?;
        let current = match place {
            Place::Shared(i) => Expr::Shared(i),
            Place::Local(i) => Expr::Local(i),
        };
        match op {
            "+=" => expr = Expr::Bin(Bin::Add, Box::new(current), Box::new(expr)),
            "-=" => expr = Expr::Bin(Bin::Sub, Box::new(current), Box::new(expr)),
            _ => {}
        }
        Ok(Stmt::Step(step(Op::Set(place, expr))))
    }

    fn call(
        &self,
        no: usize,
        object: &str,
        method: &str,
        args: &[Token],
        locals: &Locals,
    ) -> Result<Call, ParseError> {
        let Some(&(kind, _)) = self.names.get(object) else {
            return err(
                no,
                format!("'{object}' is not declared: declare it at the top, e.g. `{object} = Lock()`"),
            );
        };
        let no_args = |call: Call| {
            if args.is_empty() {
                Ok(call)
            } else {
                err(no, format!("{object}.{method}() takes nothing between its ()"))
            }
        };
        match (kind, method) {
            (Kind::Lock(l), "acquire") => no_args(Call::Step(Op::Acquire(l))),
            (Kind::Lock(l), "release") => no_args(Call::Step(Op::Release(l))),
            (Kind::Cond(c), "acquire") => no_args(Call::Step(Op::Acquire(self.decl.conditions[c].lock))),
            (Kind::Cond(c), "release") => no_args(Call::Step(Op::Release(self.decl.conditions[c].lock))),
            (Kind::Cond(c), "wait") => no_args(Call::Wait(c)),
            (Kind::Cond(c), "notify") => no_args(Call::Step(Op::Notify { cond: c, all: false })),
            (Kind::Cond(c), "notify_all") => no_args(Call::Step(Op::Notify { cond: c, all: true })),
            (Kind::Queue(q), "put") => {
                if args.is_empty() {
                    return err(no, format!("put what? (e.g. `{object}.put(1)`)"));
                }
                Ok(Call::Step(Op::Put(q, self.expression(no, args, &Scope::Thread(locals))?)))
            }
            (Kind::Queue(q), "get") => no_args(Call::Step(Op::Get(q, None))),
            (Kind::Lock(_), _) => {
                err(no, format!("a Lock has no {method}(): it has acquire() and release()"))
            }
            (Kind::Cond(_), _) => err(
                no,
                format!(
                    "a Condition has no {method}(): it has acquire(), release(), wait(), notify() and \
                     notify_all()"
                ),
            ),
            (Kind::Queue(_), _) => err(
                no,
                format!(
                    "a Queue step is put(x) or get() (full(), empty() and qsize() go in a test), not \
                     {method}()"
                ),
            ),
            (Kind::Int(_) | Kind::Thread, _) => {
                err(no, format!("'{object}' is {}: it has no {method}()", kind.noun()))
            }
        }
    }

    fn lock(&self, no: usize, name: &str) -> Result<usize, ParseError> {
        match self.names.get(name) {
            Some((Kind::Lock(l), _)) => Ok(*l),
            Some((Kind::Cond(c), _)) => Ok(self.decl.conditions[*c].lock),
            Some((kind, _)) => err(no, format!("'{name}' is {}, not a Lock or a Condition", kind.noun())),
            None => {
                err(no, format!("'{name}' is not declared: declare it at the top, e.g. `{name} = Lock()`"))
            }
        }
    }

    fn queue(&self, no: usize, name: &str, method: &str) -> Result<usize, ParseError> {
        match self.names.get(name) {
            Some((Kind::Queue(q), _)) => Ok(*q),
            Some((kind, _)) => err(no, format!("'{name}' is {}: it has no {method}()", kind.noun())),
            None => {
                err(no, format!("'{name}' is not declared: declare it at the top, e.g. `{name} = Queue(2)`"))
            }
        }
    }

    fn print_args(&self, no: usize, args: &[Token], locals: &Locals) -> Result<Vec<Arg>, ParseError> {
        let mut out = Vec::new();
        for part in args.split(|t| *t == Token::Sym(",")) {
            match part {
                [] => return err(no, "an empty argument in print(…)"),
                [Token::Str(text)] => out.push(Arg::Text(text.clone())),
                [Token::Name(n), Token::Sym("="), ..] => {
                    return err(no, format!("print's {n}= is not modelled: print values and strings only"))
                }
                expr => out.push(Arg::Value(self.expression(no, expr, &Scope::Thread(locals))?)),
            }
        }
        Ok(out)
    }

    fn expression(&self, no: usize, tokens: &[Token], scope: &Scope) -> Result<Expr, ParseError> {
        let mut reader = ExprReader { parser: self, no, tokens, at: 0, scope };
        let expr = reader.or()?;
        match reader.tokens.get(reader.at) {
            None => Ok(expr),
            Some(extra) => err(no, format!("unexpected '{extra}' in this expression")),
        }
    }
}

/// Why `sleep` is refused.
const SLEEP: &str = "time.sleep() is left out: a schedule may run any thread at any moment, \
                     however long the others sleep. Delete the line";

/// What a method call becomes.
enum Call {
    Step(Op),
    Wait(usize),
}

fn is_keyword(name: &str) -> bool {
    [
        "if", "else", "while", "for", "in", "range", "with", "thread", "goal", "pass", "assert", "print",
        "and", "or", "not", "True", "False", "done", "stuck",
    ]
    .contains(&name)
}

/// Reads an expression by precedence: `or`, `and`, `not`, comparisons, sums, products, atoms.
struct ExprReader<'p, 't> {
    parser: &'p Parser<'p>,
    no: usize,
    tokens: &'t [Token],
    at: usize,
    scope: &'t Scope<'t>,
}

impl ExprReader<'_, '_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat_name(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Name(w)) if w == word);
        self.at += usize::from(found);
        found
    }

    fn eat_sym(&mut self, symbols: &[&'static str]) -> Option<&'static str> {
        match self.peek() {
            Some(Token::Sym(s)) if symbols.contains(s) => {
                let s = *s;
                self.at += 1;
                Some(s)
            }
            _ => None,
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while self.eat_name("or") {
            left = Expr::Bin(Bin::Or, Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.not()?;
        while self.eat_name("and") {
            left = Expr::Bin(Bin::And, Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        if self.eat_name("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let left = self.sum()?;
        let op = match self.eat_sym(&["==", "!=", "<", "<=", ">", ">="]) {
            Some("==") => Bin::Eq,
            Some("!=") => Bin::Ne,
            Some("<") => Bin::Lt,
            Some("<=") => Bin::Le,
            Some(">") => Bin::Gt,
            Some(">=") => Bin::Ge,
            _ => return Ok(left),
        };
        Ok(Expr::Bin(op, Box::new(left), Box::new(self.sum()?)))
    }

    fn sum(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.product()?;
        while let Some(op) = self.eat_sym(&["+", "-"]) {
            let op = if op == "+" { Bin::Add } else { Bin::Sub };
            left = Expr::Bin(op, Box::new(left), Box::new(self.product()?));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while self.eat_sym(&["*"]).is_some() {
            left = Expr::Bin(Bin::Mul, Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat_sym(&["-"]).is_some() {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        let no = self.no;
        let Some(token) = self.peek().cloned() else {
            return err(no, "this expression ends too soon");
        };
        self.at += 1;
        match token {
            Token::Int(n) => Ok(Expr::Int(n as i32)),
            Token::Sym("(") => {
                let inner = self.or()?;
                match self.eat_sym(&[")"]) {
                    Some(_) => Ok(inner),
                    None => err(no, "a '(' is not closed"),
                }
            }
            Token::Name(name) => self.name(&name),
            Token::Str(_) => err(no, "a string can only be printed: the values here are integers"),
            Token::Sym(s) => err(no, format!("unexpected '{s}' in this expression")),
        }
    }

    fn name(&mut self, name: &str) -> Result<Expr, ParseError> {
        let no = self.no;
        match (name, self.scope) {
            ("True", _) => return Ok(Expr::Int(1)),
            ("False", _) => return Ok(Expr::Int(0)),
            ("done", Scope::Goal) => return Ok(Expr::Done),
            ("stuck", Scope::Goal) => return Ok(Expr::Stuck),
            ("done" | "stuck", Scope::Thread(_)) => {
                return err(no, format!("'{name}' only means something in a goal"));
            }
            _ => {}
        }
        if self.eat_sym(&["."]).is_some() {
            let method =
                match (self.peek().cloned(), self.tokens.get(self.at + 1), self.tokens.get(self.at + 2)) {
                    (Some(Token::Name(m)), Some(Token::Sym("(")), Some(Token::Sym(")"))) => m,
                    _ => return err(no, format!("after '{name}.' a test is full(), empty() or qsize()")),
                };
            self.at += 3;
            let q = match self.parser.names.get(name) {
                Some((Kind::Queue(q), _)) => *q,
                Some((kind, _)) => {
                    return err(no, format!("'{name}' is {}: it has no {method}()", kind.noun()));
                }
                None => return err(no, format!("'{name}' is not declared")),
            };
            return match method.as_str() {
                "full" => Ok(Expr::Full(q)),
                "empty" => Ok(Expr::Empty(q)),
                "qsize" => Ok(Expr::Size(q)),
                "get" | "put" => {
                    err(no, format!("{name}.{method}() is a step of its own, not part of an expression"))
                }
                _ => err(no, format!("a Queue has no {method}(): a test uses full(), empty() or qsize()")),
            };
        }
        match (self.parser.names.get(name), self.scope) {
            (Some((Kind::Int(i), _)), _) => Ok(Expr::Shared(*i)),
            (Some((kind, _)), _) => err(no, format!("'{name}' is {}, not a value", kind.noun())),
            (None, Scope::Thread(locals)) => match locals.get(name) {
                Some(i) => Ok(Expr::Local(i)),
                None => err(
                    no,
                    format!(
                        "'{name}' is read before anything sets it (a shared integer is declared at the \
                         top: `{name} = 0`)"
                    ),
                ),
            },
            (None, Scope::Goal) => err(
                no,
                format!("'{name}' is not a shared integer: a goal tests shared values, done and stuck"),
            ),
        }
    }
}

/// Appends the steps of `stmts`, their loops unrolled, to `steps`.
fn compile(stmts: &[Stmt], round: Option<(u32, u32)>, steps: &mut Vec<Step>) {
    let push = |steps: &mut Vec<Step>, step: &Step| steps.push(Step { round, ..step.clone() });
    for stmt in stmts {
        match stmt {
            Stmt::Step(step) => push(steps, step),
            Stmt::Pass => {}
            Stmt::If { test, then, otherwise } => {
                let at = steps.len();
                push(steps, test);
                compile(then, round, steps);
                let skip = (!otherwise.is_empty()).then(|| {
                    steps.push(Step { op: Op::Jump(0), ..test.clone() });
                    steps.len() - 1
                });
                let end = steps.len();
                set_else(&mut steps[at], end);
                compile(otherwise, round, steps);
                if let Some(skip) = skip {
                    let end = steps.len();
                    steps[skip].op = Op::Jump(end);
                }
            }
            Stmt::While { test, body } => {
                let at = steps.len();
                push(steps, test);
                compile(body, round, steps);
                steps.push(Step { op: Op::Jump(at), ..test.clone() });
                let end = steps.len();
                set_else(&mut steps[at], end);
            }
            Stmt::For { rounds, body } => {
                for r in 1..=*rounds {
                    compile(body, Some((r, *rounds)), steps);
                }
            }
            Stmt::With { line, text, lock, body } => {
                steps.push(Step {
                    line: *line,
                    text: text.clone(),
                    detail: None,
                    op: Op::Acquire(*lock),
                    round,
                });
                compile(body, round, steps);
                let detail = Some("end of the block: lets go of the lock");
                steps.push(Step { line: *line, text: text.clone(), detail, op: Op::Release(*lock), round });
            }
            Stmt::Wait { line, text, cond } => {
                let detail = Some("lets go of the lock, sleeps until notified");
                steps.push(Step { line: *line, text: text.clone(), detail, op: Op::Wait(*cond), round });
                let detail = Some("woken: takes the lock back");
                steps.push(Step { line: *line, text: text.clone(), detail, op: Op::Retake(*cond), round });
            }
        }
    }
}

fn set_else(step: &mut Step, to: usize) {
    if let Op::Test(_, otherwise) = &mut step.op {
        *otherwise = to;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The error `text` gets, as the learner reads it.
    fn error(text: &str) -> String {
        parse("mine", text).map(|_| ()).unwrap_err().to_string()
    }

    /// Programs with one mistake each, and what the learner reads.
    pub(crate) const MISTAKES: &[(&str, &str)] = &[
        ("v = 0\nthread p1:\n\tv = 1\n", "line 3: indent with spaces, not tabs"),
        ("  v = 0\n", "line 1: unexpected indent: only a thread's steps are indented"),
        ("thread p1:\nthread p2:\n    pass\n", "line 2: expected an indented block after `thread p1:`"),
        ("v = 0\n\nthread p1:\n# nothing yet\n", "line 3: expected an indented block after `thread p1:`"),
        ("thread p1:\n    if True:\n        pass\n      pass\n", "line 4: this line's indent matches no block above it"),
        ("thread p1:\n    pass\n        pass\n", "line 3: unexpected indent"),
        ("v = 0\nv = 1\n", "line 2: 'v' is already declared on line 1"),
        ("thread p1:\n    pass\nv = 0\n", "line 3: declare shared things before the first thread (line 1); at the top level only `thread name:` and `goal` may follow it"),
        ("v = 0\n", "the program has no thread: add one with `thread name:` and its steps indented below"),
        ("l = Lok()\n", "line 1: at the top level, declare what the threads share: `v = 0`, `l = Lock()`, `c = Condition()` or `q = Queue(2)`"),
        ("q = Queue()\n", "line 1: give the queue a size of 1 or more, as in `q = Queue(2)`: the explorer needs every queue bounded"),
        ("thread p1:\n    l.acquire()\n", "line 2: 'l' is not declared: declare it at the top, e.g. `l = Lock()`"),
        ("thread p1:\n    t = t + 1\n", "line 2: 't' is read before anything sets it (a shared integer is declared at the top: `t = 0`)"),
        ("thread p1:\n    t += 1\n", "line 2: 't' is read before anything sets it"),
        ("l = Lock()\nthread p1:\n    l.take()\n", "line 3: a Lock has no take(): it has acquire() and release()"),
        ("v = 0\nthread p1:\n    v.acquire()\n", "line 3: 'v' is a shared integer: it has no acquire()"),
        ("l = Lock()\nthread p1:\n    l = 1\n", "line 3: 'l' is a Lock: it cannot be assigned"),
        ("thread p1:\n    increment v\n", "line 2: cannot read `increment v`: a step is an assignment (`t = v`), a call (`l.acquire()`, `q.put(1)`, `print(v)`), `assert`, `pass`, or a block (`if`, `else`, `while`, `for _ in range(N)`, `with`)"),
        ("v = 0\nthread p1:\n    v = v +\n", "line 3: this expression ends too soon"),
        ("v = 0 $\n", "line 1: unexpected character '$'"),
        ("thread p1:\n    print(\"hi)\n", "line 2: this string has no closing \""),
        ("thread p1:\n    time.sleep(0.1)\n", "line 2: time.sleep() is left out: a schedule may run any thread at any moment, however long the others sleep. Delete the line"),
        ("thread p1:\n    for _ in range(0):\n        pass\n", "line 2: range(0): a loop runs 1 to 100 times here"),
        ("thread p1:\n    for i in v:\n        pass\n", "line 2: a loop is `for _ in range(N):` with a number N"),
        ("v = 0\nthread p1:\n    while v < 3: v += 1\n", "line 3: put the body of `while` on the lines below, indented, not after the ':'"),
        ("thread p1:\n    else:\n        pass\n", "line 2: `else:` without an `if` just above it"),
        ("thread p1:\n    assert done\n", "line 2: 'done' only means something in a goal"),
        ("thread p1:\n    pass\ngoal: w > 1\n", "line 3: 'w' is not a shared integer: a goal tests shared values, done and stuck"),
        ("thread p1:\n    pass\ngoal: stuck\ngoal: done\n", "line 4: a program has one goal, and it is on line 3"),
        ("thread p 1:\n    pass\n", "line 1: 'p 1' cannot name a thread: use letters, digits, _ and -"),
        ];

    #[test]
    fn each_kind_of_mistake_has_its_line_and_says_what_to_write() {
        for (text, expected) in MISTAKES {
            assert_eq!(&error(text), expected, "for:\n{text}");
        }
        let ten: String = (1..=10).map(|i| format!("thread t{i}:\n    pass\n")).collect();
        assert_eq!(error(&ten), "line 19: 9 threads at most (the keys 1 to 9 step them)");
    }

    #[test]
    fn loops_unroll_and_blocks_become_steps() {
        let program = parse(
            "mine",
            "c = Condition()\nq = Queue(2)\nthread p1:\n    for _ in range(2):\n        with c:\n            c.wait()\n    x = q.get()\n    if x > 0:\n        q.put(x)\n    else:\n        pass\n",
        )
        .unwrap();
        let steps: Vec<String> = program.threads[0].steps.iter().map(|s| s.describe()).collect();
        assert_eq!(
            steps,
            [
                "with c:",
                "c.wait() (lets go of the lock, sleeps until notified)",
                "c.wait() (woken: takes the lock back)",
                "with c: (end of the block: lets go of the lock)",
                "with c:",
                "c.wait() (lets go of the lock, sleeps until notified)",
                "c.wait() (woken: takes the lock back)",
                "with c: (end of the block: lets go of the lock)",
                "x = q.get()",
                "if x > 0:",
                "q.put(x)",
                "if x > 0:",
            ],
            "the last is the jump over the else"
        );
        assert_eq!(program.threads[0].steps[4].round, Some((2, 2)));
    }
}
