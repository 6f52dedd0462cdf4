//! How values cross a pipe or a socket between processes. A value is encoded
//! with postcard (a compact binary serde format: CPython pickles instead) and
//! sent as one frame: a 4-byte little-endian length, then the encoding.
//!
//! Frames shorter than [`SLOT`] bytes are padded to it, so that a reader takes
//! a small frame, header and all, in one `read(2)`: it always reads a whole slot
//! first, and only a longer frame needs a second read for the rest.
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
const HEADER: usize = 4;

thread_local! {
    static OUTGOING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static INCOMING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Calls `send` with `value` encoded as one frame, ready for a single write.
pub fn with_frame<T: Serialize, R>(value: &T, send: impl FnOnce(&[u8]) -> R) -> R {
    OUTGOING.with_borrow_mut(|buffer| {
        buffer.clear();
        buffer.resize(HEADER, 0);
        let mut frame =
            postcard::to_extend(value, std::mem::take(buffer)).expect("values sent between processes encode");
        let len = (frame.len() - HEADER) as u32;
        frame[..HEADER].copy_from_slice(&len.to_le_bytes());
        if frame.len() < SLOT {
            frame.resize(SLOT, 0);
        }
        let result = send(&frame);
        *buffer = frame;
        result
    })
}

/// How many bytes `value` takes on the wire: its whole frame.
pub fn len<T: Serialize>(value: &T) -> usize {
    with_frame(value, <[u8]>::len)
}

/// Reads one whole frame from `reader`. `Ok(None)` at end of file, before a frame.
pub fn read<T: DeserializeOwned>(mut reader: impl Read) -> io::Result<Option<T>> {
    INCOMING.with_borrow_mut(|frame| {
        frame.resize(SLOT, 0);
        match reader.read_exact(&mut frame[..SLOT]) {
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            result => result?,
        }
        let len = u32::from_le_bytes(frame[..HEADER].try_into().expect("4 bytes")) as usize;
        if HEADER + len > SLOT {
            frame.resize(HEADER + len, 0);
            reader.read_exact(&mut frame[SLOT..])?;
        }
        postcard::from_bytes(&frame[HEADER..HEADER + len])
            .map(Some)
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: String) {
        let bytes = with_frame(&value, <[u8]>::to_vec);
        assert!(bytes.len() >= SLOT);
        assert_eq!(read::<String>(&bytes[..]).unwrap(), Some(value));
    }

    #[test]
    fn frames_of_every_size_come_back_whole() {
        for n in [0, SLOT - HEADER - 2, SLOT - HEADER - 1, SLOT, 100_000] {
            round_trip("x".repeat(n));
        }
    }

    #[test]
    fn end_of_file_before_a_frame_is_none() {
        assert_eq!(read::<String>(&[][..]).unwrap(), None);
    }
}
