//! pipe: Python's `Pipe()` (note 002). A structured message both ways over a
//! duplex socket pair; a one-way pipe whose reading end refuses to send; and
//! two processes writing to one end at once: small records arrive whole,
//! large ones torn, and the reader counts the torn ones.

use anyhow::Result;

use super::SceneFn;
use crate::events::LaneState;
use crate::stage::{Connection, Lane, Stage};
use crate::text;

pub const SCENES: &[SceneFn] = &[a_message_both_ways, a_one_way_pipe, two_writers_on_one_end];

/// The notes' `[42, None, 'hello']`: a tuple of an int, nothing, and a string.
type Message = (i32, Option<()>, String);

/// A message as Python prints the list it stands for: `[42, None, 'hello']`.
fn as_python((number, nothing, text): &Message) -> String {
    format!("[{number}, {}, '{text}']", if nothing.is_none() { "None" } else { "()" })
}

/// The child sends the notes' message; the parent answers with its own.
fn a_message_both_ways(stage: &mut Stage) -> Result<()> {
    let (parent_conn, child_conn) = stage.pipe(true)?;
    let p = stage
        .process("Process-1", |lane| {
            let message: Message = (42, None, "hello".to_string());
            child_conn.send(&message).expect("the parent holds its end");
            if let Ok(Some(reply)) = child_conn.recv::<Message>() {
                lane.say(format!("received {}", as_python(&reply)));
            }
        })
        .start()?;
    if let Some(message) = stage.recv::<Message>(&parent_conn)? {
        stage.say(as_python(&message));
    }
    parent_conn.send(&(43, None::<()>, "hello back".to_string()))?;
    stage.join(p);
    let message: Message = (42, None, "hello".to_string());
    let encoded = postcard::to_allocvec(&message)?;
    stage.note(text!(
        "A socket pair is duplex: each end both sends and receives. The message crossed in a frame of \
         {} bytes: a 4-byte length, the {} bytes {encoded:02x?} (postcard: 42 as a variable-length \
         integer, 0 for None, then the string's length and its bytes), and padding.\nCPython pickles \
         instead; the idea is the same: the value becomes bytes, crosses, and is rebuilt on the other \
         side. Nothing is shared.",
        Connection::frame_len(&message),
        encoded.len()
    ));
    Ok(())
}

/// `Pipe(duplex=False)`: the first end only receives, the second only sends.
fn a_one_way_pipe(stage: &mut Stage) -> Result<()> {
    let (reader, writer) = stage.pipe(false)?;
    let p = stage
        .process("Process-1", |_| {
            writer.send(&"through a one-way pipe".to_string()).expect("the parent holds the reader");
        })
        .start()?;
    if let Some(line) = stage.recv::<String>(&reader)? {
        stage.say(line);
    }
    stage.join(p);
    // The Python's last line raises: no print, so what happened is the tutor's to say.
    match reader.send(&"back?".to_string()) {
        Err(err) => stage.note(text!(
            "reader.send('back?') failed: {err}. The reading end of a pipe is opened for reading only, so \
             the kernel refuses the write (EBADF). Python refuses it before any system call, raising \
             OSError: connection is read-only."
        )),
        Ok(()) => stage.warn("reader.send('back?') worked: this pipe is not one-way"),
    }
    Ok(())
}

/// Two processes write records of `size` bytes, `count` each, to the same end;
/// the parent reads them back and counts the records that hold bytes of both.
fn torn_records(stage: &mut Stage, size: usize, count: usize) -> Result<usize> {
    let (reader, writer) = stage.pipe(false)?;
    let writer_process = |tag: u8| {
        let writer = &writer;
        move |lane: &Lane| {
            let record = vec![tag; size];
            for _ in 0..count {
                writer.write_raw(&record).expect("the parent holds the reader");
            }
            lane.set_state(LaneState::Running, text!("wrote {count} records of {size} bytes"), None);
        }
    };
    let a = stage.process("writer-a", writer_process(b'a')).start()?;
    let b = stage.process("writer-b", writer_process(b'b')).start()?;
    let mut record = vec![0u8; size];
    let mut torn = 0;
    for _ in 0..2 * count {
        reader.read_raw(&mut record)?;
        if record.iter().any(|&byte| byte != record[0]) {
            torn += 1;
        }
    }
    stage.join(a);
    stage.join(b);
    Ok(torn)
}

/// Writes up to PIPE_BUF bytes are atomic: they arrive whole even with two
/// writers. Larger ones are split, and the pieces of two writers interleave.
fn two_writers_on_one_end(stage: &mut Stage) -> Result<()> {
    for (size, count, name) in [(libc::PIPE_BUF, 200, "torn_small"), (100_000, 20, "torn_large")] {
        let torn = torn_records(stage, size, count)?;
        let text = text!("records of {size} bytes: {torn} of {} arrived torn", 2 * count);
        stage.measure(name, torn as f64, "records", text);
    }
    stage.note(text!(
        "Linux guarantees that a write of at most PIPE_BUF ({} bytes) to a pipe is never mixed with \
         another writer's. A larger write is split into pieces as the reader makes room, and another \
         writer's pieces can land in between: that is the corruption the Python docs warn about when \
         two processes use the same end.",
        libc::PIPE_BUF
    ));
    Ok(())
}
