//! Running out of memory (`ulimit -v`, a full machine) ends the tutor with one
//! `error:` line, every child killed and reaped and the terminal given back:
//! never the abort (SIGABRT) Rust's default answer to a failed allocation is.
//!
//! The system allocator does the work; this one only looks at its answer. A
//! failed allocation cannot unwind (an allocator must not), and the program
//! cannot go on without the memory, so it ends here, with nothing but
//! async-signal-safe calls: the allocator that just failed is not used again.

use std::alloc::{GlobalAlloc, Layout, System};

use super::{cleanup, fork};
use crate::terminal;

/// The system allocator, watched for failures.
struct Watched;

#[global_allocator]
static ALLOCATOR: Watched = Watched;

// SAFETY: every call is passed on to the system allocator unchanged; a null
// answer never returns to the caller.
unsafe impl GlobalAlloc for Watched {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller keeps GlobalAlloc's contract, which System's is.
        checked(unsafe { System.alloc(layout) }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        checked(unsafe { System.alloc_zeroed(layout) }, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        checked(unsafe { System.realloc(ptr, layout, new_size) }, new_size)
    }
}

fn checked(ptr: *mut u8, size: usize) -> *mut u8 {
    if ptr.is_null() {
        out_of_memory(size);
    }
    ptr
}

/// What to do about it, after the error itself.
pub(crate) const HINT: &str =
    " (the limit on memory was reached: see `ulimit -v`, and raise it or end other programs)";

/// Says that `size` bytes could not be had, and ends the program. A forked or
/// spawned child tells its parent over its event pipe (one line, made without
/// allocating), which ends the program with the child's name; then it ends.
fn out_of_memory(size: usize) -> ! {
    let mut digits = [0u8; 20];
    let size = decimal(size as u64, &mut digits);
    match fork::child_pipe() {
        Some(pipe) => write_all(pipe, &[b"{\"OutOfMemory\":{\"size\":", size, b"}}\n"]),
        // A child before its pipe is set up: the parent's table of children is not its own.
        None if fork::in_child() => write_all(
            2,
            &[
                b"error: a child ran out of memory: could not allocate ",
                size,
                b" bytes",
                HINT.as_bytes(),
                b"\n",
            ],
        ),
        None => {
            cleanup::kill_and_reap_all();
            terminal::restore();
            write_all(
                2,
                &[b"error: out of memory: could not allocate ", size, b" bytes", HINT.as_bytes(), b"\n"],
            );
        }
    }
    // SAFETY: _exit(2) ends the process at once; nothing may run that could allocate again.
    unsafe { libc::_exit(1) }
}

/// `n` in decimal, in the end of `buf`.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

/// Writes `pieces` to `fd` with write(2) alone.
fn write_all(fd: i32, pieces: &[&[u8]]) {
    for piece in pieces {
        let mut rest = *piece;
        while !rest.is_empty() {
            // SAFETY: write(2) of a buffer we own.
            let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
            if n <= 0 {
                return;
            }
            rest = &rest[n as usize..];
        }
    }
}

/// Has every thread allocate from one malloc arena. glibc gives each new
/// thread an arena of its own, 64 MiB of address space each: under `ulimit -v`
/// a few threads use it all up, and a new thread's first allocation, which
/// std makes at its start to register its thread-local destructors, then fails
/// inside glibc, which aborts ("failed to register TLS destructor"). The
/// lessons' threads allocate little; sharing one arena costs them nothing
/// measurable.
pub fn one_arena() {
    // SAFETY: mallopt only sets a tunable of the allocator; called before any thread exists.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::lane::Wire;

    #[test]
    fn the_line_made_by_hand_is_the_wire_message() {
        let mut digits = [0u8; 20];
        let line = [&b"{\"OutOfMemory\":{\"size\":"[..], decimal(1_000_000, &mut digits), b"}}"].concat();
        match serde_json::from_slice(&line) {
            Ok(Wire::OutOfMemory { size: 1_000_000 }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(decimal(0, &mut digits), b"0");
        assert_eq!(decimal(u64::MAX, &mut digits), b"18446744073709551615");
    }
}
