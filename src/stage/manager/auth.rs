//! The authkey handshake, done as CPython's `multiprocessing.connection` does
//! it: the server sends a random challenge, the client answers with the HMAC of
//! the challenge under the key, and the server says welcome or failure. The
//! key itself never crosses the wire, and a recorded answer is worth nothing
//! against the next challenge. (CPython also challenges the server back; one
//! direction is enough to show a wrong key refused.)

use std::io::{self, Read, Write};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::super::frame;

/// How many random bytes a challenge has (CPython's MESSAGE_LENGTH is 40).
const CHALLENGE: usize = 32;
const WELCOME: &[u8] = b"#WELCOME#";
const FAILURE: &[u8] = b"#FAILURE#";

/// The server's side: whether the client knows `authkey`. A client that
/// does not is told so before the connection is dropped.
pub fn deliver_challenge(mut stream: impl Read + Write, authkey: &[u8]) -> io::Result<bool> {
    let challenge = random_bytes(CHALLENGE)?;
    frame::with_frame(&challenge, |bytes| stream.write_all(bytes))?;
    let answer: Vec<u8> = frame::read(&mut stream)?.unwrap_or_default();
    let known = keyed(authkey).chain_update(&challenge).verify_slice(&answer).is_ok();
    frame::with_frame(&if known { WELCOME } else { FAILURE }, |bytes| stream.write_all(bytes))?;
    Ok(known)
}

/// The client's side: answers the server's challenge with `authkey`;
/// whether the server let it in.
pub fn answer_challenge(mut stream: impl Read + Write, authkey: &[u8]) -> io::Result<bool> {
    let challenge: Vec<u8> = frame::read(&mut stream)?.unwrap_or_default();
    let answer = keyed(authkey).chain_update(&challenge).finalize().into_bytes().to_vec();
    frame::with_frame(&answer, |bytes| stream.write_all(bytes))?;
    let verdict: Vec<u8> = frame::read(&mut stream)?.unwrap_or_default();
    Ok(verdict == WELCOME)
}

/// `n` bytes from the kernel's random source, for a challenge or a key.
pub fn random_bytes(n: usize) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// An HMAC-SHA256 under `authkey`, as CPython 3.12 uses (3.11 used MD5).
fn keyed(authkey: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(authkey).expect("an HMAC takes a key of any length")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixStream;

    fn handshake(server_key: &'static [u8], client_key: &'static [u8]) -> (bool, bool) {
        let (server, client) = UnixStream::pair().unwrap();
        let server = std::thread::spawn(move || deliver_challenge(&server, server_key).unwrap());
        let client = answer_challenge(&client, client_key).unwrap();
        (server.join().unwrap(), client)
    }

    #[test]
    fn the_right_key_is_welcome_and_a_wrong_one_refused() {
        assert_eq!(handshake(b"abracadabra", b"abracadabra"), (true, true));
        assert_eq!(handshake(b"abracadabra", b"wrong key"), (false, false));
    }
}
