//! The full-screen lesson menu (`concur-tutor` on a terminal): chapters, ids,
//! titles and done marks; arrows or j/k to move, Enter to run, `p` to run
//! with a pause before each explanation, `a` to predict each scene first, `s`
//! to show the code, `/` to filter, `q` or Esc to quit. The keys are in the footer; a
//! resized terminal is redrawn. The state ([`Menu`]) is apart from the drawing
//! and the terminal, so it can be tested without one.

use std::io::{self, Write};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::{Attribute, Print, SetAttribute};
use crossterm::{cursor, execute, queue, terminal};

use crate::catalogue::{self, Lesson};
use crate::i18n::tr;
use crate::progress::Progress;
use crate::terminal as modes;
use crate::text::{columns, pad, truncate};

/// What the user chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Run this lesson.
    Run(String),
    /// Run this lesson in step mode, pausing before each explanation.
    Step(String),
    /// Run this lesson in predict mode, a question before each scene.
    Predict(String),
    /// Show this lesson's Python and Rust.
    Show(String),
    /// Leave.
    Quit,
}

/// The menu's state: which lessons match the filter, and which is selected.
pub struct Menu {
    lessons: Vec<&'static Lesson>,
    filter: String,
    filtering: bool,
    selected: usize,
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
        }
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
            return None;
        }
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return Some(Choice::Quit),
            KeyCode::Char('q') | KeyCode::Esc => return Some(Choice::Quit),
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1))
            }
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => self.selected = count.saturating_sub(1),
            KeyCode::Char('/') => {
                self.filtering = true;
                self.filter.clear();
            }
            KeyCode::Enter => return self.selected().map(|l| Choice::Run(l.id.clone())),
            KeyCode::Char('p') => return self.selected().map(|l| Choice::Step(l.id.clone())),
            KeyCode::Char('a') => return self.selected().map(|l| Choice::Predict(l.id.clone())),
            KeyCode::Char('s') => return self.selected().map(|l| Choice::Show(l.id.clone())),
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
            lines.push((
                format!("{pointer} {mark} {} {}", pad(&lesson.id, 18), lesson.title),
                i == self.selected,
            ));
        }
        if visible.is_empty() {
            lines.push((tr(&format!("  no lesson matches \"{}\"", self.filter)), false));
        }
        let footer = if self.filtering {
            tr(&format!("filter: {}▏ · Enter or Esc: done · Backspace: erase", self.filter))
        } else {
            tr("↑/↓ j/k: move · Enter: run · p: with pauses · a: predict first · s: code · /: filter · q: quit")
        };
        // The footer on the last rows, as many as it takes to show every key;
        // the selected line on screen above it.
        let footer = footer_rows(&footer, width);
        let room = height.saturating_sub(1 + footer.len()).max(1);
        let at = lines.iter().position(|(_, selected)| *selected).unwrap_or(0);
        let skip = at.saturating_sub(room - 1);
        let mut screen: Vec<(String, bool)> = lines.into_iter().skip(skip).take(room).collect();
        screen.resize(room, (String::new(), false));
        screen.push((String::new(), false));
        screen.extend(footer.into_iter().map(|row| (row, false)));
        for (line, _) in &mut screen {
            *line = truncate(line, width);
        }
        screen
    }
}

/// The footer's keys (`key: action · key: action · …`) in rows of at most
/// `width` columns, broken between two keys.
fn footer_rows(footer: &str, width: usize) -> Vec<String> {
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
    let _screen = Screen::take()?;
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

/// The terminal, taken for the menu (raw mode, the alternate screen, no
/// cursor) until dropped, on every way out of [`choose`].
struct Screen;

impl Screen {
    fn take() -> io::Result<Screen> {
        modes::menu_taken();
        terminal::enable_raw_mode()?;
        execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
        Ok(Screen)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = execute!(io::stdout(), cursor::Show, terminal::LeaveAlternateScreen);
        let _ = terminal::disable_raw_mode();
        modes::restore();
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
        assert_eq!(press(&mut menu, KeyCode::Enter), Some(Choice::Run("start-methods".into())));
        press(&mut menu, KeyCode::Char('/'));
        for c in "caught live".chars() {
            press(&mut menu, KeyCode::Char(c));
        }
        press(&mut menu, KeyCode::Enter);
        assert_eq!(press(&mut menu, KeyCode::Char('s')), Some(Choice::Show("deadlock".into())));
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
            footer.len() >= 2 && footer.last().unwrap().ends_with("q: quit"),
            "every key shows: {footer:?}"
        );
        assert!(lines.iter().any(|(_, selected)| *selected), "the selected lesson is on screen");
        assert!(lines.iter().all(|(line, _)| line.chars().count() <= 40));
    }
}
