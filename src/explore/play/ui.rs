//! The game on the terminal: full screen, redrawn after every key and every
//! resize. The terminal is taken through [`FullScreen`], so that every way
//! out (the end, an error, a panic, a signal) gives it back.

use std::io::{self, Write};

use crossterm::event::{self, Event, KeyEventKind};
use crossterm::style::{Attribute, Print, ResetColor, SetAttribute};
use crossterm::{cursor, queue, terminal};

use crate::render::theme::Ink;
use crate::render::Paint;
use crate::terminal::FullScreen;

use super::screen::{self, Line, Look};
use super::state::{Flow, Game};

/// Plays `game` (of program `id`) until the learner leaves.
///
/// # Errors
/// The terminal could not be taken, read or written.
pub fn play(game: &mut Game, id: &str, paint: Paint) -> io::Result<()> {
    // The theme may have to ask the terminal for its background: before the
    // game takes the keys, so that the answer is not read as keys.
    if paint.is_on() {
        let _ = crate::render::theme::color(Ink::Done);
    }
    let _screen = FullScreen::take()?;
    let mut out = io::stdout();
    loop {
        draw(&mut out, game, id, paint)?;
        match event::read()? {
            Event::Key(key) if key.kind == KeyEventKind::Press && game.key(key) == Flow::Quit => {
                return Ok(())
            }
            // A resize, or anything else: draw again.
            _ => {}
        }
    }
}

fn draw(out: &mut impl Write, game: &Game, id: &str, paint: Paint) -> io::Result<()> {
    let (width, height) = terminal::size()?;
    let lines = screen::lines(game, id, width as usize, height as usize, crate::text::unicode());
    draw_lines(out, &lines, paint)
}

/// Draws `lines` on a cleared full screen, each with its look (colour
/// when `paint` is on): for every full-screen page drawn as [`Line`]s.
///
/// # Errors
/// The terminal could not be written.
pub fn draw_lines(out: &mut impl Write, lines: &[Line], paint: Paint) -> io::Result<()> {
    queue!(out, terminal::Clear(terminal::ClearType::All))?;
    for (row, line) in lines.iter().enumerate() {
        queue!(out, cursor::MoveTo(0, row as u16))?;
        for (text, look) in &line.spans {
            let text = crate::text::glyphs(text);
            match look {
                Look::Plain => queue!(out, Print(text))?,
                Look::Strong => queue!(out, SetAttribute(Attribute::Bold), Print(text))?,
                Look::Current => queue!(out, SetAttribute(Attribute::Reverse), Print(text))?,
                Look::Dim => queue!(out, SetAttribute(Attribute::Dim), Print(text))?,
                Look::Good | Look::Bad => {
                    let ink = if *look == Look::Good { Ink::Done } else { Ink::Warn };
                    queue!(out, SetAttribute(Attribute::Bold), Print(paint.ink(&text, ink)))?;
                }
            }
            queue!(out, SetAttribute(Attribute::Reset), ResetColor)?;
        }
    }
    out.flush()
}
