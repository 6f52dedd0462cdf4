//! How values cross a pipe or a socket between processes: a frame is a 4-byte
//! little-endian length, then the value as JSON. (CPython pickles instead;
//! the framing is the same idea as its `Connection.send`.)

use std::io::{self, Read};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// `value` as one frame, ready for a single write.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let body = serde_json::to_vec(value).expect("values sent between processes serialise");
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&body);
    frame
}

/// Reads one whole frame from `reader`. `Ok(None)` at end of file, before a frame.
pub fn read<T: DeserializeOwned>(mut reader: impl Read) -> io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len) {
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        result => result?,
    }
    let mut body = vec![0u8; u32::from_le_bytes(len) as usize];
    reader.read_exact(&mut body)?;
    serde_json::from_slice(&body).map(Some).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
}
