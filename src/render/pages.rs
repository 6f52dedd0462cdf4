//! The pages that are not a run: `list`, `show`, and the further reading that
//! closes a lesson.

use std::io::{self, Write};

use serde_json::json;
use unicode_width::UnicodeWidthStr;

use super::theme::Ink;
use super::Paint;
use crate::catalogue::{self, Lesson};
use crate::i18n::tr;
use crate::progress::{self, Progress};
use crate::text::{self, pad};

const ID_WIDTH: usize = 19;

/// `concur-tutor list`: every lesson by chapter, with its title and summary,
/// and a mark on those run to the end.
pub fn print_list(paint: Paint, width: usize, progress: &Progress) -> io::Result<()> {
    let mut out = text::Glyphs(io::stdout().lock());
    let done = catalogue::all().iter().filter(|l| progress.is_completed(&l.id)).count();
    let count = catalogue::all().len();
    writeln!(
        out,
        "{}",
        tr(&format!("{count} lessons, {done} done (✓). Run one with: concur-tutor lesson <id>"))
    )?;
    for number in 1..=catalogue::chapters().len() {
        let mut lessons = catalogue::all().iter().filter(|l| l.chapter == number).peekable();
        let Some(first) = lessons.peek() else { continue };
        writeln!(out, "\n{}", paint.bold(&format!("{number}. {}", tr(first.chapter_name()))))?;
        for lesson in lessons {
            let pad = " ".repeat(ID_WIDTH.saturating_sub(lesson.id.width()));
            let mark =
                if progress.is_completed(&lesson.id) { paint.ink("✓", Ink::Done) } else { " ".into() };
            let indent = " ".repeat(2 + ID_WIDTH);
            let title = text::fill(&lesson.title, width.saturating_sub(2 + ID_WIDTH).max(16), "", &indent);
            writeln!(out, "{mark} {}{pad}{title}", paint.bold(&lesson.id))?;
            writeln!(out, "{}", paint.dim(&text::fill(&lesson.summary, width, &indent, &indent)))?;
            let exercises: Vec<String> = crate::practice::for_lesson(&lesson.id)
                .map(|e| format!("{}{}", e.id, if progress.is_solved(e.id) { " ✓" } else { "" }))
                .collect();
            if !exercises.is_empty() {
                let line = tr(&format!("practice: {}", exercises.join(", ")));
                writeln!(out, "{}", paint.dim(&text::fill(&line, width, &indent, &indent)))?;
            }
        }
    }
    Ok(())
}

/// `concur-tutor list --json`: one lesson per line.
pub fn print_list_json(progress: &Progress) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for lesson in catalogue::all() {
        let line = json!({
            "id": lesson.id,
            "chapter": lesson.chapter,
            "chapter_name": tr(lesson.chapter_name()),
            "title": lesson.title,
            "summary": lesson.summary,
            "scenes": lesson.scenes.len(),
            "completed": progress.is_completed(&lesson.id),
            "practice": crate::practice::for_lesson(&lesson.id)
                .map(|e| json!({"id": e.id, "solved": progress.is_solved(e.id)}))
                .collect::<Vec<_>>(),
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// `concur-tutor show <id>`: each scene's Python, then the Rust source that runs.
pub fn print_show(out: &mut impl Write, lesson: &Lesson, paint: Paint) -> io::Result<()> {
    let mut out = text::Glyphs(out);
    writeln!(out, "{}", paint.bold(&format!("{} · {}", lesson.id, lesson.title)))?;
    writeln!(out, "{}", lesson.summary)?;
    for (i, scene) in lesson.scenes.iter().enumerate() {
        writeln!(out, "\n{}", paint.bold(&format!("{} · {}", tr(&format!("Scene {}", i + 1)), scene.title)))?;
        for line in scene.python.trim_matches('\n').lines() {
            writeln!(out, "{}", paint.dim(&format!("   py │ {line}")))?;
        }
    }
    writeln!(out, "\n{}", paint.bold(&tr(&format!("The Rust that runs ({}):", lesson.path))))?;
    write!(out, "{}", lesson.source())?;
    Ok(())
}

/// The two lines that open a lesson's human output, wrapped to the terminal.
pub fn print_header(lesson: &Lesson, speed: f64, paint: Paint) -> io::Result<()> {
    let mut out = text::Glyphs(io::stdout().lock());
    let width = text::width();
    let title = format!("{} · {}", lesson.id, lesson.title);
    writeln!(out, "{}", paint.bold(&text::fill(&title, width, "", "  ")))?;
    // A narrow terminal's lines have no pid column (see `human`).
    let columns = if width < super::human::NARROW {
        tr(&format!("columns: lesson time (s, at {speed}× speed) · lane · what it printed"))
    } else {
        tr(&format!("columns: lesson time (s, at {speed}× speed) · lane · pid · what it printed"))
    };
    writeln!(out, "{}", paint.dim(&text::fill(&columns, width, "", "  ")))
}

/// The closing list of documentation for a lesson: a link goes under its
/// title when the two do not fit on one line.
pub fn print_reading(lesson: &Lesson, paint: Paint) -> io::Result<()> {
    if lesson.reading.is_empty() {
        return Ok(());
    }
    let mut out = text::Glyphs(io::stdout().lock());
    let width = text::width();
    writeln!(out, "\n{}", paint.bold(&tr("Further reading")))?;
    for link in &lesson.reading {
        if 2 + link.title.width() + 2 + link.url.width() <= width {
            writeln!(out, "  {}  {}", link.title, paint.dim(&link.url))?;
        } else {
            writeln!(out, "{}", text::fill(&link.title, width, "  ", "  "))?;
            writeln!(out, "    {}", paint.dim(&link.url))?;
        }
    }
    Ok(())
}

/// `concur-tutor progress`: what was done, and where it is kept.
pub fn print_progress(progress: &Progress, paint: Paint) -> io::Result<()> {
    let mut out = text::Glyphs(io::stdout().lock());
    let all = catalogue::all();
    let done: Vec<&str> =
        all.iter().filter(|l| progress.is_completed(&l.id)).map(|l| l.id.as_str()).collect();
    writeln!(out, "{}", paint.bold(&tr(&format!("{} of {} lessons run to the end", done.len(), all.len()))))?;
    if !done.is_empty() {
        writeln!(out, "  {}", done.join(", "))?;
    }
    let exercises = crate::practice::EXERCISES;
    let solved: Vec<&str> = exercises.iter().filter(|e| progress.is_solved(e.id)).map(|e| e.id).collect();
    writeln!(
        out,
        "{}",
        paint.bold(&tr(&format!("{} of {} practice exercises solved", solved.len(), exercises.len())))
    )?;
    if !solved.is_empty() {
        writeln!(out, "  {}", solved.join(", "))?;
    }
    if !progress.quizzes.is_empty() {
        writeln!(out, "{}", paint.bold(&tr("Quizzes (right / asked)")))?;
        for (id, quiz) in &progress.quizzes {
            writeln!(out, "  {} {} / {}", pad(id, 18), quiz.right, quiz.asked)?;
        }
    }
    match progress::path() {
        Some(path) => writeln!(
            out,
            "{}",
            paint.dim(&tr(&format!(
                "Kept in {}; forget it with: concur-tutor progress --reset",
                path.display()
            )))
        ),
        None => writeln!(out, "{}", paint.dim(&tr("Not kept: neither XDG_STATE_HOME nor HOME is set."))),
    }
}
