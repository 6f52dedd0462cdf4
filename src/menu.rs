//! The full-screen lesson menu (`concur-tutor` on a terminal): chapters, ids,
//! titles and done marks, and the selected lesson's summary; arrows or j/k to
//! move, Enter to run, `p` to run with a pause before each explanation, `a` to
//! predict each scene first, `s` to show the code, `x` to practise it (its
//! fix-it exercises, `[x 1/2]` after its title), `+`/`-` to change the speed,
//! `←`/`→` to pick one scene, `/` to filter, `q` or Esc to quit. The keys are in
//! the footer; a resized terminal is redrawn. The state ([`Menu`]) is apart
//! from the drawing and the terminal, so it can be tested without one.

use std::io::{self, Write};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::{Attribute, Print, SetAttribute};
use crossterm::{cursor, queue, terminal};

use crate::catalogue::{self, Lesson};
use crate::i18n::tr;
use crate::progress::Progress;
use crate::terminal as modes;
use crate::text::{self, columns, pad, truncate};

/// The speeds `+` and `-` step through.
const SPEEDS: [f64; 6] = [0.5, 1.0, 2.0, 4.0, 10.0, 20.0];

/// How a lesson chosen in the menu is to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// As it is.
    Plain,
    /// Pausing before each explanation.
    Step,
    /// A question before each scene.
    Predict,
}

/// A lesson to run, as the menu was set when it was chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The lesson.
    pub id: String,
    /// With pauses, questions, or neither.
    pub mode: Mode,
    /// How many times faster than the notes.
    pub speed: f64,
    /// One scene only (from 1), or all.
    pub scene: Option<usize>,
}

/// What the user chose.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    /// Run a lesson.
    Run(Plan),
    /// Show this lesson's Python and Rust.
    Show(String),
    /// Practise this lesson: open its first unsolved exercise.
    Practice(String),
    /// Leave.
    Quit,
    /// Leave by Ctrl-C.
    Interrupt,
}

/// The menu's state: which lessons match the filter, which is selected, and
/// the speed and scene a run will have.
pub struct Menu {
    lessons: Vec<&'static Lesson>,
    filter: String,
    filtering: bool,
    selected: usize,
    speed: usize,
    scene: Option<usize>,
}

impl Default for Menu {
    fn default() -> Self {
        Menu::new()
    }
}

impl Menu {
    /// Every lesson, the first selected.
    pub fn new() -> Menu {
        Menu {
            lessons: catalogue::all().iter().collect(),
            filter: String::new(),
            filtering: false,
            selected: 0,
            speed: 1,
            scene: None,
        }
    }

    /// Selects lesson `id` (when the filter lets it show).
    pub fn select(&mut self, id: &str) {
        if let Some(at) = self.visible().iter().position(|l| l.id == id) {
            self.selected = at;
        }
    }

    /// The lesson after lesson `id` in the catalogue, if there is one.
    pub fn next_after(id: &str) -> Option<&'static Lesson> {
        let all = catalogue::all();
        all.iter().position(|l| l.id == id).and_then(|at| all.get(at + 1))
    }

    fn plan(&self, mode: Mode) -> Option<Choice> {
        let lesson = self.selected()?;
        let scene = self.scene.filter(|&n| n <= lesson.scenes.len());
        Some(Choice::Run(Plan { id: lesson.id.clone(), mode, speed: SPEEDS[self.speed], scene }))
    }

    /// The lessons that match the filter (in id, title or summary), in order.
    pub fn visible(&self) -> Vec<&'static Lesson> {
        let needle = self.filter.to_lowercase();
        self.lessons
            .iter()
            .copied()
            .filter(|l| {
                needle.is_empty()
                    || [&l.id, &l.title, &l.summary]
                        .iter()
                        .any(|field| field.to_lowercase().contains(&needle))
            })
            .collect()
    }

    /// The selected lesson, if any matches.
    pub fn selected(&self) -> Option<&'static Lesson> {
        self.visible().get(self.selected).copied()
    }

    /// Applies one key; returns a choice when the key makes one.
    pub fn key(&mut self, key: KeyEvent) -> Option<Choice> {
        let count = self.visible().len();
        if self.filtering {
            match key.code {
                KeyCode::Enter | KeyCode::Esc => self.filtering = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            self.selected = 0;
            self.scene = None;
            return None;
        }
        let scenes = self.selected().map_or(0, |l| l.scenes.len());
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Some(Choice::Interrupt)
            }
            KeyCode::Char('q') | KeyCode::Esc => return Some(Choice::Quit),
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1);
                self.scene = None;
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1));
                self.scene = None;
            }
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => self.selected = count.saturating_sub(1),
            KeyCode::Char('/') => {
                self.filtering = true;
                self.filter.clear();
            }
            KeyCode::Char('+') | KeyCode::Char('=') => self.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            KeyCode::Char('-') => self.speed = self.speed.saturating_sub(1),
            // All scenes, then 1, 2, … and round again.
            KeyCode::Right | KeyCode::Char('l') => {
                self.scene = match self.scene {
                    None if scenes > 0 => Some(1),
                    Some(n) if n < scenes => Some(n + 1),
                    _ => None,
                }
            }
            KeyCode::Left | KeyCode::Char('h') => {
                self.scene = match self.scene {
                    None if scenes > 0 => Some(scenes),
                    Some(n) if n > 1 => Some(n - 1),
                    _ => None,
                }
            }
            KeyCode::Enter => return self.plan(Mode::Plain),
            KeyCode::Char('p') => return self.plan(Mode::Step),
            KeyCode::Char('a') => return self.plan(Mode::Predict),
            KeyCode::Char('s') => return self.selected().map(|l| Choice::Show(l.id.clone())),
            KeyCode::Char('x') => return self.selected().map(|l| Choice::Practice(l.id.clone())),
            _ => {}
        }
        None
    }

    /// The screen as lines of at most `width` columns and `height` rows: the
    /// lessons by chapter, then the footer with the keys.
    pub fn lines(&self, progress: &Progress, width: usize, height: usize) -> Vec<(String, bool)> {
        let mut lines = vec![(tr("concur-tutor · pick a lesson"), false), (String::new(), false)];
        let visible = self.visible();
        let mut chapter = 0;
        for (i, lesson) in visible.iter().enumerate() {
            if lesson.chapter != chapter {
                chapter = lesson.chapter;
                lines.push((format!("{}. {}", chapter, tr(lesson.chapter_name())), false));
            }
            let mark = if progress.is_completed(&lesson.id) { "✓" } else { " " };
            let pointer = if i == self.selected { "›" } else { " " };
            // A lesson with exercises: how many are solved, after its title.
            let exercises: Vec<_> = crate::practice::for_lesson(&lesson.id).collect();
            let practice = match exercises.len() {
                0 => String::new(),
                n => {
                    let solved = exercises.iter().filter(|e| progress.is_solved(e.id)).count();
                    format!("  [x {solved}/{n}]")
                }
            };
            lines.push((
                format!("{pointer} {mark} {} {}{practice}", pad(&lesson.id, 18), lesson.title),
                i == self.selected,
            ));
        }
        if visible.is_empty() {
            lines.push((tr(&format!("  no lesson matches \"{}\"", self.filter)), false));
        }
        // Below the list: the selected lesson's summary and how it will run.
        let mut below = Vec::new();
        if let Some(lesson) = self.selected() {
            let summary = text::fill(&lesson.summary, width.max(20), "  ", "  ");
            below.extend(summary.lines().take(2).map(|line| (line.to_string(), false)));
            let scene = match self.scene {
                Some(n) => tr(&format!("scene {n} of {}", lesson.scenes.len())),
                None => tr(&format!("all {} scenes", lesson.scenes.len())),
            };
            below.push((tr(&format!("  speed {}× · {scene}", SPEEDS[self.speed])), false));
        }
        below.push((String::new(), false));
        if self.filtering {
            below.push((
                tr(&format!("filter: {}▏ · Enter or Esc: done · Backspace: erase", self.filter)),
                false,
            ));
        } else {
            let keys = "↑/↓ move · Enter run · p with pauses · a predict first · s code · x practice · +/- speed · ←/→ one scene · / filter · q quit";
            below.extend(footer_rows(&tr(keys), width).into_iter().map(|row| (row, false)));
        }
        // Where there is room for it, a pointer to the explorer, above the keys.
        let explore = tr("Every order a race can run in, and a game: concur-tutor explore --list");
        if height >= below.len() + 10 && width >= columns(&explore) {
            let keys_at = below.iter().rposition(|(line, _)| line.is_empty()).map_or(below.len(), |i| i + 1);
            below.insert(keys_at, (explore, false));
        }
        // On a small screen the summary gives way first: the keys stay, with
        // one row of the list.
        let keys = below.len() - below.iter().rposition(|(line, _)| line.is_empty()).map_or(0, |i| i + 1);
        while below.len() >= height && below.len() > keys {
            below.remove(0);
        }
        // Keep the selected line on screen, and what goes below it on the last rows.
        let room = height.saturating_sub(below.len()).max(1);
        let at = lines.iter().position(|(_, selected)| *selected).unwrap_or(0);
        let skip = at.saturating_sub(room - 1);
        let mut screen: Vec<(String, bool)> = lines.into_iter().skip(skip).take(room).collect();
        screen.resize(room, (String::new(), false));
        screen.extend(below);
        for (line, _) in &mut screen {
            *line = truncate(line, width);
        }
        screen
    }
}

/// The footer's keys (`key: action · key: action · …`) in rows of at most
/// `width` columns, broken between two keys.
pub fn footer_rows(footer: &str, width: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for key in footer.split(" · ") {
        match rows.last_mut() {
            Some(row) if columns(row) + 3 + columns(key) <= width => {
                row.push_str(" · ");
                row.push_str(key);
            }
            _ => rows.push(key.to_string()),
        }
    }
    rows
}

/// Shows the menu until a choice is made. The terminal is given back on return
/// (and, through [`modes`], on every other way out).
pub fn choose(menu: &mut Menu, progress: &Progress) -> io::Result<Choice> {
    let _screen = modes::FullScreen::take()?;
    let mut out = io::stdout();
    loop {
        draw(&mut out, menu, progress)?;
        match event::read()? {
            Event::Key(key) if key.kind == KeyEventKind::Press => {
                if let Some(choice) = menu.key(key) {
                    return Ok(choice);
                }
            }
            // A resize, or anything else: draw again.
            _ => {}
        }
    }
}

fn draw(out: &mut impl Write, menu: &Menu, progress: &Progress) -> io::Result<()> {
    let (width, height) = terminal::size()?;
    queue!(out, terminal::Clear(terminal::ClearType::All))?;
    for (row, (line, selected)) in menu.lines(progress, width as usize, height as usize).iter().enumerate() {
        let line = crate::text::glyphs(line);
        queue!(out, cursor::MoveTo(0, row as u16))?;
        if *selected {
            queue!(out, SetAttribute(Attribute::Reverse), Print(&line), SetAttribute(Attribute::Reset))?;
        } else {
            queue!(out, Print(&line))?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(menu: &mut Menu, code: KeyCode) -> Option<Choice> {
        menu.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn keys_move_filter_and_choose() {
        let mut menu = Menu::new();
        assert_eq!(press(&mut menu, KeyCode::Char('j')), None);
        let plan =
            |id: &str, mode, speed, scene| Some(Choice::Run(Plan { id: id.into(), mode, speed, scene }));
        assert_eq!(press(&mut menu, KeyCode::Enter), plan("start-methods", Mode::Plain, 1.0, None));
        press(&mut menu, KeyCode::Char('+'));
        press(&mut menu, KeyCode::Right);
        press(&mut menu, KeyCode::Right);
        assert_eq!(press(&mut menu, KeyCode::Char('p')), plan("start-methods", Mode::Step, 2.0, Some(2)));
        press(&mut menu, KeyCode::Char('j'));
        assert_eq!(press(&mut menu, KeyCode::Char('a')), plan("join-daemon", Mode::Predict, 2.0, None));
        press(&mut menu, KeyCode::Char('/'));
        for c in "caught live".chars() {
            press(&mut menu, KeyCode::Char(c));
        }
        press(&mut menu, KeyCode::Enter);
        assert_eq!(press(&mut menu, KeyCode::Char('s')), Some(Choice::Show("deadlock".into())));
        assert_eq!(press(&mut menu, KeyCode::Char('x')), Some(Choice::Practice("deadlock".into())));
        assert_eq!(press(&mut menu, KeyCode::Char('q')), Some(Choice::Quit));
    }

    #[test]
    fn the_footer_stays_on_the_last_row_of_a_small_screen() {
        let mut menu = Menu::new();
        press(&mut menu, KeyCode::Char('G'));
        let lines = menu.lines(&Progress::default(), 40, 8);
        assert_eq!(lines.len(), 8);
        let footer: Vec<&str> =
            lines.iter().map(|(l, _)| l.as_str()).skip_while(|l| !l.starts_with("↑/↓")).collect();
        assert!(
            footer.len() >= 2 && footer.last().unwrap().ends_with("q quit"),
            "every key shows: {footer:?}"
        );
        assert!(lines.iter().any(|(_, selected)| *selected), "the selected lesson is on screen");
        assert!(lines.iter().all(|(line, _)| line.chars().count() <= 40));
    }
}
