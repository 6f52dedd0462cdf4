//! shared-memory: Python's `Value` and `Array` (notes 001 and 002) as memory
//! mapped `MAP_SHARED` into parent and child: what the child writes, the
//! parent reads. And why a pointer in shared memory means nothing elsewhere.

use std::fs::File;
use std::os::unix::fs::FileExt;

use anyhow::Result;

use super::SceneFn;
use crate::stage::{SharedArray, SharedF64, SharedInt, SharedUsize, Stage};

pub const SCENES: &[SceneFn] = &[value_and_array, a_pointer_means_nothing_elsewhere];

/// The notes' `f(n, a)`: `Value('d', 0.0)` and `Array('i', range(10))`, changed
/// by the child, read by the parent.
#[allow(clippy::approx_constant)] // 3.1415927 is the notes' own number, not a stand-in for PI
fn value_and_array(stage: &mut Stage) -> Result<()> {
    let num = SharedF64::new(0.0)?;
    let arr = SharedArray::new([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])?;
    let p = stage
        .process("child", |lane| {
            num.set(3.1415927);
            for i in 0..10 {
                arr.set(i, -arr.get(i));
            }
            lane.say(format!("wrote num = {} at {:#x}, and negated arr", num.get(), num.address()));
        })
        .start()?;
    stage.join(p);
    stage.say(num.get().to_string());
    stage.say(format!("{:?}", arr.to_vec()));
    stage.note(format!(
        "main reads 3.1415927 and the negated array at {:#x}, the address the child wrote to: unlike the \
         global of lesson globals, this page was mapped MAP_SHARED before the fork, so both processes \
         use the same physical memory and no copy is made.\nThe typecodes are C types: 'd' is a double, \
         f64 here; 'i' is an int, i32 here.",
        num.address()
    ));
    Ok(())
}

/// The bytes at `address` in this process, read through `/proc/self/mem`, which
/// reports an unmapped address as an error instead of crashing.
fn peek(address: usize, len: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = vec![0; len];
    File::open("/proc/self/mem")?.read_exact_at(&mut bytes, address as u64)?;
    Ok(bytes)
}

/// The notes' `Value(c_char_p, b"Hello World")`: main puts the address of a
/// string made after the fork into shared memory; the child looks there.
fn a_pointer_means_nothing_elsewhere(stage: &mut Stage) -> Result<()> {
    let (address, ready) = (SharedUsize::new()?, SharedInt::new()?);
    let p = stage
        .process("child", |lane| {
            while ready.get() == 0 {
                lane.sleep(0.01);
            }
            let at = address.get();
            match peek(at, 11) {
                Ok(bytes) => lane.say(format!("at {at:#x} my memory holds the bytes {bytes:02x?}")),
                Err(err) => lane.say(format!("at {at:#x} my memory holds nothing ({err})")),
            }
        })
        .start()?;
    let text = String::from("Hello World");
    address.set(text.as_ptr() as usize);
    ready.set(1);
    stage.say(format!("put the address of {text:?} in shared memory: {:#x}", address.get()));
    stage.join(p);
    let hello = format!("{:02x?}", text.as_bytes());
    if stage.last_said("child").is_some_and(|line| line.contains(&hello)) {
        stage.warn("the child found the same bytes there: this run did not show the difference");
        return Ok(());
    }
    stage.say(format!("at {:#x} main's memory holds the bytes {hello}", address.get()));
    stage.note(
        "The number arrived intact; what it points to did not. The string was made in main after the \
         fork, in main's private memory, so at that address the child has something else, or nothing. \
         CPython's Value(c_char_p) shares exactly this: a pointer, not the bytes.\nIn Rust the number \
         is harmless, but following it is unsafe code the compiler will not write for you. Shared \
         memory must hold the data itself, such as a fixed-size byte array.",
    );
    Ok(())
}
