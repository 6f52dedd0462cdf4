//! How values cross a pipe or a socket between processes. A value is encoded
//! with postcard (a compact binary serde format: CPython pickles instead) and
//! sent as one frame: a 4-byte little-endian length, then the encoding.
//!
//! Frames shorter than [`SLOT`] bytes are padded to it, so that a reader that
//! takes one frame at a time (a [`Connection`](super::Connection)) gets a small
//! frame, header and all, in one `read(2)`: it always reads a whole slot first,
//! and only a longer frame needs a second read for the rest.
//!
//! Each thread encodes into, and reads into, one buffer of its own that it
//! keeps: a megabyte item then costs no fresh pages (page faults) per send.

use std::cell::RefCell;
use std::io::{self, Read};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The least a frame takes: small values cross in one read. At most PIPE_BUF,
/// so a small frame is also written atomically.
pub const SLOT: usize = 64;

/// The length prefix.
pub const HEADER: usize = 4;

thread_local! {
    static OUTGOING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static INCOMING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Appends `value`, encoded as one frame, to `out`.
pub fn append<T: Serialize>(value: &T, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    postcard::serialize_with_flavor(value, Append(out)).expect("values sent between processes encode");
    let len = (out.len() - start - HEADER) as u32;
    out[start..start + HEADER].copy_from_slice(&len.to_le_bytes());
    if out.len() - start < SLOT {
        out.resize(start + SLOT, 0);
    }
}

/// Slices at least this long are copied aligned (see [`Append`]).
const ALIGN_FROM: usize = 4096;

/// Postcard's output into a `Vec`, a slice at a time: its own `to_extend`
/// goes byte by byte, which makes a megabyte string take half a millisecond.
struct Append<'v>(&'v mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Append<'_> {
    type Output = ();

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.0.push(byte);
        Ok(())
    }

    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        // A large string lands at an odd offset (after the header and its own
        // length), and some CPUs (this AMD EPYC: 300 µs instead of 22 for a
        // megabyte) copy far slower into a destination that is not aligned. So
        // a long slice is copied in two: up to the next 64-byte boundary, then
        // the bulk, aligned.
        if bytes.len() >= ALIGN_FROM {
            self.0.reserve(bytes.len());
            let end = self.0.as_ptr() as usize + self.0.len();
            let (head, bulk) = bytes.split_at(end.next_multiple_of(64) - end);
            self.0.extend_from_slice(head);
            self.0.extend_from_slice(bulk);
        } else {
            self.0.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// Calls `send` with `value` encoded as one frame, ready for a single write.
pub fn with_frame<T: Serialize, R>(value: &T, send: impl FnOnce(&[u8]) -> R) -> R {
    OUTGOING.with_borrow_mut(|buffer| {
        buffer.clear();
        append(value, buffer);
        send(buffer)
    })
}

/// How many bytes `value` takes on the wire: its whole frame.
pub fn len<T: Serialize>(value: &T) -> usize {
    with_frame(value, <[u8]>::len)
}

/// How many bytes the frame that starts with `header` takes on the wire,
/// header and padding included.
pub fn wire_len(header: &[u8]) -> usize {
    (HEADER + payload_len(header)).max(SLOT)
}

/// The length the header at the start of `frame` gives its encoding.
fn payload_len(frame: &[u8]) -> usize {
    u32::from_le_bytes(frame[..HEADER].try_into().expect("a whole header")) as usize
}

/// Decodes one whole frame.
pub fn decode<T: DeserializeOwned>(frame: &[u8]) -> io::Result<T> {
    let len = payload_len(frame);
    postcard::from_bytes(&frame[HEADER..HEADER + len])
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
}

/// Decodes the frame of `wire` bytes that begins with `head` and goes on in
/// `reader`.
pub fn read_rest<T: DeserializeOwned>(head: &[u8], mut reader: impl Read, wire: usize) -> io::Result<T> {
    INCOMING.with_borrow_mut(|frame| {
        frame.clear();
        frame.extend_from_slice(head);
        frame.resize(wire, 0);
        reader.read_exact(&mut frame[head.len()..])?;
        decode(frame)
    })
}

/// Reads one whole frame from `reader`. `Ok(None)` at end of file, before a frame.
pub fn read<T: DeserializeOwned>(mut reader: impl Read) -> io::Result<Option<T>> {
    let mut slot = [0; SLOT];
    match reader.read_exact(&mut slot) {
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        result => result?,
    }
    let wire = wire_len(&slot);
    if wire == SLOT {
        decode(&slot).map(Some)
    } else {
        read_rest(&slot, reader, wire).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: String) {
        let bytes = with_frame(&value, <[u8]>::to_vec);
        assert!(bytes.len() >= SLOT);
        assert_eq!(wire_len(&bytes), bytes.len());
        assert_eq!(read::<String>(&bytes[..]).unwrap(), Some(value));
    }

    #[test]
    fn frames_of_every_size_come_back_whole() {
        for n in [0, SLOT - HEADER - 2, SLOT - HEADER - 1, SLOT, 100_000] {
            round_trip("x".repeat(n));
        }
    }

    #[test]
    fn appended_frames_follow_each_other() {
        let mut frames = Vec::new();
        append(&"a".to_string(), &mut frames);
        append(&"b".repeat(100), &mut frames);
        let first = wire_len(&frames);
        assert_eq!(decode::<String>(&frames[..first]).unwrap(), "a");
        assert_eq!(decode::<String>(&frames[first..]).unwrap(), "b".repeat(100));
        assert_eq!(first + wire_len(&frames[first..]), frames.len());
    }

    #[test]
    fn end_of_file_before_a_frame_is_none() {
        assert_eq!(read::<String>(&[][..]).unwrap(), None);
    }
}
