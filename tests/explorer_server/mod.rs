//! Helpers for the explorer's tests: a server on a free port, and plain HTTP/1.1 requests over
//! a socket (no client crate: the tests also send what no client would).

// Each test binary uses only some of the helpers.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use opioid_sim::explorer::Explorer;

/// Starts an explorer on a free port of 127.0.0.1, serving on background threads until the
/// test process ends. Returns its port.
pub fn start() -> u16 {
    let explorer = Explorer::bind(0).expect("the explorer binds a free port");
    let port = explorer.port();
    std::thread::spawn(move || explorer.run());
    port
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// The header block, as text.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `error` of a JSON error body.
    pub fn error(&self) -> String {
        let v: serde_json::Value =
            serde_json::from_slice(&self.body).expect("an error body is JSON");
        v["error"]
            .as_str()
            .expect("an error body has an \"error\" string")
            .to_string()
    }
}

/// Sends raw bytes, closes the sending side, and reads the answer until the server closes the
/// connection.
pub fn send_raw(port: u16, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.write_all(request)?;
    // Nothing more will be sent: a cut-off request ends here instead of waiting for the rest.
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out)?;
    Ok(out)
}

/// `GET target` with `Connection: close`.
pub fn get(port: u16, target: &str) -> Answer {
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    parse(&send_raw(port, request.as_bytes()).expect("the explorer answers"))
}

/// Splits a raw answer into status, head and body (the explorer sends `Content-Length`).
pub fn parse(raw: &[u8]) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an answer has a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    Answer {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    }
}

/// Percent-encodes a query value.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
