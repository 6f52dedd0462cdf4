//! shared-memory: Python's `Value` and `Array` (notes 001 and 002) as memory
//! mapped `MAP_SHARED` into parent and child: what the child writes, the
//! parent reads. And what a pointer in shared memory is worth in a forked child
//! (a copy of the same bytes) and in a spawned one (nothing: a crash).

use std::ffi::CString;
use std::fs::File;
use std::os::unix::fs::FileExt;

use anyhow::Result;

use super::SceneFn;
use crate::events::LaneState;
use crate::stage::{argv, Entry, ExitStatus, Lane, SharedArray, SharedF64, SharedUsize, Stage};
use crate::text;

pub const SCENES: &[SceneFn] = &[value_and_array, a_pointer_means_nothing_elsewhere];

/// The notes' `f(n, a)`: `Value('d', 0.0)` and `Array('i', range(10))`, changed
/// by the child, read by the parent.
#[allow(clippy::approx_constant)] // 3.1415927 is the notes' own number, not a stand-in for PI
fn value_and_array(stage: &mut Stage) -> Result<()> {
    let num = SharedF64::new(0.0)?;
    let arr = SharedArray::new([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])?;
    let p = stage
        .process("Process-1", |lane| {
            num.set(3.1415927);
            for i in 0..10 {
                arr.set(i, -arr.get(i));
            }
            lane.set_state(LaneState::Running, text!("wrote num and arr at {:#x}", num.address()), None);
        })
        .start()?;
    stage.join(p);
    stage.say(num.get().to_string());
    stage.say(format!("{:?}", arr.to_vec()));
    stage.note(text!(
        "main reads 3.1415927 and the negated array at {:#x}, the address the child wrote to: unlike the \
         global of lesson globals, this page was mapped MAP_SHARED before the fork, so both processes \
         use the same physical memory and no copy is made.\nThe typecodes are C types: 'd' is a double, \
         f64 here; 'i' is an int, i32 here.",
        num.address()
    ));
    Ok(())
}

/// The C string at `address` in this process, read through `/proc/self/mem`,
/// which reports an unmapped address as an error instead of crashing: the
/// bytes up to the first NUL, as `Value(c_char_p).value` reads them.
fn peek_c_string(address: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = vec![0; 64];
    File::open("/proc/self/mem")?.read_exact_at(&mut bytes, address as u64)?;
    bytes.truncate(bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len()));
    Ok(bytes)
}

/// Bytes as Python prints them: `b'Hello World'`, `b'\x90\x1f'`.
fn python_bytes(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .map(|&b| match b {
            b'\'' | b'\\' => format!("\\{}", b as char),
            b' '..=b'~' => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect();
    format!("b'{shown}'")
}

/// The notes' `f(v)`: `print(v.value)` follows the pointer in shared memory,
/// here, in this child's own memory. Where nothing is mapped, it reads the
/// address anyway, as CPython does, and the kernel ends the child (SIGSEGV).
fn print_value(lane: &Lane, at: usize) {
    match peek_c_string(at) {
        Ok(bytes) => lane.say(python_bytes(&bytes)),
        Err(_) => {
            lane.set_state(LaneState::Running, text!("reads {at:#x}, where nothing is mapped"), None);
            // SAFETY: none: /proc/self/mem has just said that nothing is mapped at
            // `at`. The read is the lesson: the MMU faults and the kernel ends this
            // child with SIGSEGV, as it ends CPython's; no code runs after it.
            let byte = unsafe { std::ptr::read_volatile(at as *const u8) };
            lane.say(python_bytes(&[byte]));
        }
    }
}

/// The code spawned children of this lesson may run, found by name.
pub const ENTRIES: &[Entry] = &[READ_POINTER];

/// A spawned child that prints the C string at the address its parent gave it.
const READ_POINTER: Entry = Entry {
    name: "shared-memory/read-pointer",
    body: |lane| print_value(lane, argv().first().and_then(|at| at.parse().ok()).unwrap_or(0)),
};

/// Python's `p.exitcode`: the code, or minus the signal that ended the child.
fn exitcode(status: ExitStatus) -> i32 {
    match status {
        ExitStatus::Code(code) => code,
        ExitStatus::Signal(signal) => -(signal as i32),
    }
}

/// The notes' `Value(c_char_p, b"Hello World")`: shared memory holds the
/// address of bytes in main's memory. A forked child has a copy of those bytes
/// at the same address; a spawned child, a fresh program, has nothing there.
fn a_pointer_means_nothing_elsewhere(stage: &mut Stage) -> Result<()> {
    // Made before any child starts, as the Python's Value is.
    let hello = CString::new("Hello World")?;
    let str_val = SharedUsize::new()?;
    str_val.set(hello.as_ptr() as usize);

    let p = stage.process("fork", |lane| print_value(lane, str_val.get())).start()?;
    let forked = stage.join(p);
    stage.say(format!("fork exit code {}", exitcode(forked)));
    let p = stage.spawn_with_args("spawn", &READ_POINTER, &[&str_val.get().to_string()])?;
    let spawned = stage.join(p);
    stage.say(format!("spawn exit code {}", exitcode(spawned)));

    let at = str_val.get();
    let fork_saw = stage.last_said("fork").unwrap_or_default();
    let spawn_saw = match (spawned, stage.last_said("spawn")) {
        (ExitStatus::Signal(signal), _) => format!(
            "nothing is mapped there, so reading it killed the child ({}), as CPython's spawned child \
             dies with exit code -11",
            signal.as_str()
        ),
        (_, Some(bytes)) => format!("other bytes are there ({bytes}), read as if they were the string"),
        (status, None) => format!("the child {status} without printing"),
    };
    stage.note(text!(
        "The shared value holds {at:#x}, an address in main's memory. The forked child printed \
         {fork_saw}: fork copied main's memory, so at that address it has a copy of the same bytes.\nThe \
         spawned child is a fresh program: {spawn_saw}. Value(c_char_p) shares a pointer, not the bytes; \
         shared memory must hold the data itself, such as a fixed-size byte array."
    ));
    Ok(())
}
