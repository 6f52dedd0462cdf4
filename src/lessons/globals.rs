//! globals: a global changed in a child process stays unchanged in the parent;
//! changed in a thread, it changes for everyone (note 002).

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Result;

use super::SceneFn;
use crate::events::{Kind, LaneState};
use crate::stage::Stage;
use crate::text;

pub const SCENES: &[SceneFn] = &[a_child_changes_its_copy, a_thread_changes_the_one_num];

/// The notes' `num = 100` at module level. A Rust global is a `static`; it is
/// an atomic so that threads may change it without `unsafe`.
static NUM: AtomicI32 = AtomicI32::new(100);

/// Where `NUM` lives in this process's address space.
fn address_of_num() -> String {
    format!("{:p}", &NUM)
}

/// The value at the end of the first line of `lines` that starts with `prefix`.
fn value_after(lines: &[String], prefix: &str) -> Option<i32> {
    lines.iter().find_map(|line| line.strip_prefix(prefix)?.split_whitespace().next()?.parse().ok())
}

/// `global num; num += 1` in a child: it sees 101, the parent still 100.
fn a_child_changes_its_copy(stage: &mut Stage) -> Result<()> {
    NUM.store(100, Ordering::SeqCst);
    stage.say("parent starts");
    let mark = stage.event_count();
    let p = stage
        .process("Process-1", |lane| {
            lane.say("child starts");
            NUM.fetch_add(1, Ordering::SeqCst);
            // Where num lives, for the note: not a line the Python prints.
            lane.set_state(LaneState::Running, text!("num is at {}", address_of_num()), None);
            lane.say(format!("child num: {}", NUM.load(Ordering::SeqCst)));
            lane.say("child ends");
        })
        .start()?;
    stage.join(p);
    let parents = NUM.load(Ordering::SeqCst);
    stage.say(format!("parent ends. num: {parents}"));

    let childs = value_after(&stage.lines_of("Process-1"), "child num:");
    let childs_address = stage
        .events_since(mark)
        .into_iter()
        .find_map(|e| Some(e.text.strip_prefix("num is at ")?.to_string()).filter(|_| e.kind == Kind::State));
    if childs_address.as_deref() != Some(address_of_num().as_str()) {
        stage.warn(text!(
            "the child's num was at {}, main's at {}: not the same address",
            childs_address.as_deref().unwrap_or("an address it did not report"),
            address_of_num()
        ));
    }
    stage.note(text!(
        "The child saw {}, the parent sees {parents}, at the same address {}. fork gave the child a copy \
         of the parent's memory at the same virtual addresses.\nThe page holding num was shared \
         copy-on-write until the child wrote to it, and then the kernel gave the child a page of its own. \
         Nothing the child writes reaches the parent: to share, use shared memory or send the value back.",
        childs.map_or("nothing".to_string(), |n| n.to_string()),
        address_of_num()
    ));
    Ok(())
}

/// The same with a thread: one process, one `num`; both see 101. Data that is
/// not global is shared the same way through `Arc<Mutex<_>>`.
fn a_thread_changes_the_one_num(stage: &mut Stage) -> Result<()> {
    NUM.store(100, Ordering::SeqCst);
    let local = Arc::new(Mutex::new(100));
    let theirs = Arc::clone(&local);
    let thread = stage.thread("Thread-1", move |lane| {
        NUM.fetch_add(1, Ordering::SeqCst);
        *theirs.lock().expect("no thread panics holding it") += 1;
        lane.say(format!("thread num: {}", NUM.load(Ordering::SeqCst)));
    });
    stage.join_thread(thread)?;
    let local = *local.lock().expect("no thread panics holding it");
    let num = NUM.load(Ordering::SeqCst);
    stage.say(format!("main ends. num: {num}"));
    stage.note(text!(
        "Both lanes see num = {num} and local = {local}: a thread runs in its parent's address space, so \
         there is one num. Rust makes the sharing explicit: a global must be an atomic or sit behind a \
         lock, and local data crosses into a thread inside an Arc<Mutex<_>>."
    ));
    Ok(())
}
