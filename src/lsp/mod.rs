//! `sunlight lsp`: the language server over standard input and output.
//!
//! A thin shell over [`crate::session`], which keeps the workspace and
//! answers the editor's questions: [`uri`] turns URIs into the session's
//! paths and back, [`state::State`] positions into byte offsets and the
//! session's answers into protocol values through [`convert`], `server`
//! wires them to tower-lsp (scheduling, coalescing and publishing), and
//! this module frames the messages.

pub mod convert;
mod server;
pub mod state;
pub mod uri;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Serve the protocol on stdin/stdout until the client exits.
pub fn serve_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (to_server, from_filter) = tokio::io::duplex(1 << 20);
        let filter = tokio::spawn(filter_messages(tokio::io::stdin(), to_server));
        let (service, socket) = tower_lsp::LspService::new(server::Backend::new);
        tower_lsp::Server::new(from_filter, tokio::io::stdout(), socket)
            .serve(service)
            .await;
        filter.abort();
    });
    Ok(())
}

/// What replaces a message that is not JSON: a notification the server
/// ignores, so that one bad message does not end the session (tower-lsp
/// stops reading at the first message it cannot decode).
const PLACEHOLDER: &[u8] = br#"{"jsonrpc":"2.0","method":"$/sunlight/invalidMessage"}"#;

/// Copy framed messages from `input` to `output`, replacing bodies that are
/// not JSON-RPC 2.0 messages and skipping bytes that are not a frame.
async fn filter_messages(
    mut input: impl AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
) -> std::io::Result<()> {
    let mut frames = Framer::default();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut shut_down = false;
    loop {
        // Emit every complete frame in the buffer.
        while let Some(body) = frames.next_frame() {
            let mut message = serde_json::from_slice::<serde_json::Value>(&body);
            // Several clients (Emacs Eglot, lsp4ij) write a request without
            // parameters, `shutdown` among them, as `"params": null`, which
            // tower-lsp never answers: it reads as no parameters.
            let body = match &mut message {
                Ok(serde_json::Value::Object(fields))
                    if fields.get("params").is_some_and(serde_json::Value::is_null) =>
                {
                    fields.remove("params");
                    serde_json::to_vec(fields).unwrap_or(body)
                }
                _ => body,
            };
            let body: &[u8] = match message {
                Ok(message) if is_jsonrpc(&message) => {
                    // `exit` ends the process at once, as the protocol asks
                    // (tower-lsp would wait for standard input to close):
                    // code 0 after `shutdown`, 1 without.
                    match message.get("method").and_then(|m| m.as_str()) {
                        Some("shutdown") => shut_down = true,
                        Some("exit") => std::process::exit(i32::from(!shut_down)),
                        _ => {}
                    }
                    &body
                }
                Ok(_) => {
                    eprintln!(
                        "sunlight lsp: ignored a JSON value that is not a JSON-RPC 2.0 message ({} bytes)",
                        body.len()
                    );
                    PLACEHOLDER
                }
                Err(_) => {
                    eprintln!(
                        "sunlight lsp: ignored a message that is not valid JSON ({} bytes)",
                        body.len()
                    );
                    PLACEHOLDER
                }
            };
            output
                .write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
                .await?;
            output.write_all(body).await?;
            output.flush().await?;
        }
        let n = input.read(&mut chunk).await?;
        if n == 0 {
            return output.shutdown().await;
        }
        frames.push(chunk.get(..n).unwrap_or(&[]));
    }
}

/// Whether `message` has the shape tower-lsp accepts: an object with
/// `"jsonrpc": "2.0"` that is a request or notification (a string `method`,
/// `params` absent or structured) or a response (an `id` with `result` or
/// `error`). Anything else would end tower-lsp's session.
fn is_jsonrpc(message: &serde_json::Value) -> bool {
    let Some(object) = message.as_object() else {
        return false;
    };
    if object.get("jsonrpc").and_then(|v| v.as_str()) != Some("2.0") {
        return false;
    }
    let id_ok = object
        .get("id")
        .is_none_or(|id| id.is_string() || id.is_i64() || id.is_u64() || id.is_null());
    let params_ok = object
        .get("params")
        .is_none_or(|p| p.is_object() || p.is_array());
    match object.get("method") {
        Some(method) => method.is_string() && id_ok && params_ok,
        None => {
            object.contains_key("id")
                && id_ok
                && (object.contains_key("result") || object.contains_key("error"))
        }
    }
}

/// Splits a byte stream into `Content-Length` frames. Each byte is searched
/// once, so a long stream without a header end costs linear time.
#[derive(Default)]
struct Framer {
    buf: Vec<u8>,
    /// Where the search for the next header end resumes.
    scanned: usize,
}

impl Framer {
    fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The body of the next complete frame. Garbage before a
    /// `Content-Length` header is dropped.
    fn next_frame(&mut self) -> Option<Vec<u8>> {
        loop {
            // Resume three bytes back: `\r\n\r\n` may straddle two reads.
            let from = self.scanned.saturating_sub(3);
            let Some(found) = find(self.buf.get(from..).unwrap_or(&[]), b"\r\n\r\n") else {
                self.scanned = self.buf.len();
                return None;
            };
            let header_end = from + found;
            self.scanned = header_end;
            let headers = String::from_utf8_lossy(self.buf.get(..header_end).unwrap_or(&[]));
            let len = headers.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            });
            match len {
                Some(len) => {
                    let body_start = header_end + 4;
                    let body_end = body_start.checked_add(len)?;
                    if self.buf.len() < body_end {
                        return None;
                    }
                    let body = self.buf.get(body_start..body_end).map(<[u8]>::to_vec);
                    self.buf.drain(..body_end);
                    self.scanned = 0;
                    return body;
                }
                None => {
                    // Not a frame: skip to the next header, if any.
                    let next = find(self.buf.get(1..).unwrap_or(&[]), b"Content-Length")
                        .map_or(header_end + 4, |i| i + 1);
                    self.buf.drain(..next.min(self.buf.len()));
                    self.scanned = 0;
                }
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        v.extend_from_slice(body);
        v
    }

    fn filtered(input: &[u8]) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread().build();
        let Ok(runtime) = runtime else {
            return String::from("no runtime");
        };
        let mut out = Vec::new();
        let result = runtime.block_on(filter_messages(input, &mut out));
        assert!(result.is_ok());
        String::from_utf8_lossy(&out).into_owned()
    }

    const VALID: &[u8] = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;

    #[test]
    fn bad_bodies_are_replaced_and_garbage_skipped() {
        let mut input = b"junk\r\n\r\n".to_vec();
        input.extend(framed(VALID));
        input.extend(framed(b"{not json"));
        input.extend(framed(b"\xff\xfe"));
        let mut want = framed(VALID);
        want.extend(framed(PLACEHOLDER));
        want.extend(framed(PLACEHOLDER));
        assert_eq!(filtered(&input), String::from_utf8_lossy(&want));
    }

    #[test]
    fn json_that_is_not_json_rpc_is_replaced() {
        let not_messages: [&[u8]; 9] = [
            b"[]",
            b"{}",
            b"null",
            b"42",
            br#"{"jsonrpc":"1.0","method":"initialized"}"#,
            br#"{"jsonrpc":"2.0"}"#,
            br#"{"jsonrpc":"2.0","method":7}"#,
            br#"{"jsonrpc":"2.0","id":{},"method":"shutdown"}"#,
            br#"{"jsonrpc":"2.0","id":1}"#,
        ];
        let mut input = Vec::new();
        let mut want = Vec::new();
        for body in not_messages {
            input.extend(framed(body));
            want.extend(framed(PLACEHOLDER));
        }
        let response = br#"{"jsonrpc":"2.0","id":3,"result":null}"#;
        input.extend(framed(response));
        want.extend(framed(response));
        assert_eq!(filtered(&input), String::from_utf8_lossy(&want));
    }

    #[test]
    fn null_parameters_are_left_out() {
        let input = framed(br#"{"jsonrpc":"2.0","id":2,"method":"shutdown","params":null}"#);
        let want = framed(br#"{"id":2,"jsonrpc":"2.0","method":"shutdown"}"#);
        assert_eq!(filtered(&input), String::from_utf8_lossy(&want));
    }

    #[test]
    fn frames_split_across_reads_are_joined() {
        let whole = framed(VALID);
        let mut framer = Framer::default();
        let mut got = Vec::new();
        // One byte at a time, so `\r\n\r\n` straddles every read boundary.
        for b in &whole {
            framer.push(std::slice::from_ref(b));
            while let Some(body) = framer.next_frame() {
                got.push(body);
            }
        }
        assert_eq!(got, vec![VALID.to_vec()]);
    }

    #[test]
    fn a_long_stream_without_a_header_end_is_scanned_once() {
        // 8 MiB in 64 KiB pieces: each byte is searched a bounded number of
        // times, so `scanned` advances with the buffer instead of restarting.
        let mut framer = Framer::default();
        let piece = vec![b'x'; 64 * 1024];
        for _ in 0..128 {
            framer.push(&piece);
            assert!(framer.next_frame().is_none());
            assert_eq!(framer.scanned, framer.buf.len());
        }
        framer.push(b"\r\n\r\n");
        framer.push(&framed(VALID));
        assert_eq!(framer.next_frame(), Some(VALID.to_vec()));
    }
}
