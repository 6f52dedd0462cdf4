//! What translating a whole lesson costs: every event of one run of each
//! lesson (`--json --quick`, in English, as the localising sink receives
//! them), put into Chinese by `i18n::localise`, the median of 21 passes;
//! then the same events without their patterns, as a run saved before events
//! carried them is translated (by guesses).
//!
//! `cargo bench --bench localise`

mod support;

use std::process::{Command, Stdio};

use concur_tutor::catalogue;
use concur_tutor::events::Event;
use concur_tutor::i18n::{self, Lang};
use support::median;

/// Every lesson's events, from one run of each, all at the same time.
fn runs() -> Vec<(String, Vec<Event>)> {
    let children: Vec<_> = catalogue::all()
        .iter()
        .map(|lesson| {
            let child = Command::new(env!("CARGO_BIN_EXE_concur-tutor"))
                .args(["--lang", "en", "lesson", &lesson.id, "--json", "--quick", "--speed", "20"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("run the tutor");
            (lesson.id.clone(), child)
        })
        .collect();
    children
        .into_iter()
        .map(|(id, child)| {
            let output = child.wait_with_output().expect("run the tutor");
            let events = String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(|line| serde_json::from_str(line).expect("an event"))
                .collect();
            (id, events)
        })
        .collect()
}

/// The median time to localise every one of `events`, in seconds.
fn localise_all(events: &[Event]) -> f64 {
    median(21, || {
        for event in events {
            std::hint::black_box(i18n::localise(event));
        }
    })
    .as_secs_f64()
}

fn main() {
    let runs = runs();
    i18n::set(Lang::Zh);
    // The first call reads the Chinese in: a cost paid once per run, apart.
    let first = std::time::Instant::now();
    let _ = i18n::translate("");
    println!("reading the patterns in (once): {:.3} ms", first.elapsed().as_secs_f64() * 1e3);
    println!(
        "{:<20} {:>7} {:>10} {:>10} {:>14} {:>10}",
        "lesson", "events", "all (ms)", "µs/event", "unpatterned", "µs/event"
    );
    let (mut events, mut total, mut total_guessed) = (0, 0.0, 0.0);
    for (id, run) in &runs {
        let took = localise_all(run);
        let unpatterned: Vec<Event> =
            run.iter().cloned().map(|event| Event { pattern: None, ..event }).collect();
        let guessed = localise_all(&unpatterned);
        let per = |secs: f64| secs * 1e6 / run.len() as f64;
        println!(
            "{id:<20} {:>7} {:>10.3} {:>10.2} {:>14.3} {:>10.2}",
            run.len(),
            took * 1e3,
            per(took),
            guessed * 1e3,
            per(guessed)
        );
        events += run.len();
        total += took;
        total_guessed += guessed;
    }
    let per = |secs: f64| secs * 1e6 / events as f64;
    println!(
        "{:<20} {events:>7} {:>10.3} {:>10.2} {:>14.3} {:>10.2}",
        "all lessons",
        total * 1e3,
        per(total),
        total_guessed * 1e3,
        per(total_guessed)
    );
}
