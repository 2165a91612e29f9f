//! `sunlight lsp`: the language server over standard input and output.
//!
//! A thin shell: [`state::State`] answers every request from the core's
//! results, [`convert`] turns them into protocol values, and `server`
//! wires both to tower-lsp.

pub mod convert;
mod server;
pub mod state;

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
/// not valid JSON and skipping bytes that are not a frame.
async fn filter_messages(
    mut input: impl AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut shut_down = false;
    loop {
        // Emit every complete frame in the buffer.
        while let Some((body_start, len)) = frame(&mut buf) {
            let body = buf.get(body_start..body_start + len).unwrap_or(&[]);
            let body: &[u8] = match serde_json::from_slice::<serde_json::Value>(body) {
                Ok(message) => {
                    // `exit` ends the process at once, as the protocol asks
                    // (tower-lsp would wait for standard input to close):
                    // code 0 after `shutdown`, 1 without.
                    match message.get("method").and_then(|m| m.as_str()) {
                        Some("shutdown") => shut_down = true,
                        Some("exit") => std::process::exit(i32::from(!shut_down)),
                        _ => {}
                    }
                    body
                }
                Err(_) => {
                    eprintln!(
                        "sunlight lsp: ignored a message that is not valid JSON ({len} bytes)"
                    );
                    PLACEHOLDER
                }
            };
            output
                .write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
                .await?;
            output.write_all(body).await?;
            output.flush().await?;
            buf.drain(..body_start + len);
        }
        let n = input.read(&mut chunk).await?;
        if n == 0 {
            return output.shutdown().await;
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
    }
}

/// The next complete frame in `buf`: the offset of its body and its length.
/// Garbage before a `Content-Length` header is dropped.
fn frame(buf: &mut Vec<u8>) -> Option<(usize, usize)> {
    loop {
        let header_end = find(buf, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(buf.get(..header_end).unwrap_or(&[])).to_string();
        let len = headers.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        });
        match len {
            Some(len) => {
                let body_start = header_end + 4;
                return (buf.len() >= body_start + len).then_some((body_start, len));
            }
            None => {
                // Not a frame: skip to the next header, if any.
                let next = find(buf.get(1..).unwrap_or(&[]), b"Content-Length")
                    .map_or(header_end + 4, |i| i + 1);
                buf.drain(..next.min(buf.len()));
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

    #[test]
    fn bad_bodies_are_replaced_and_garbage_skipped() {
        let mut input = b"junk\r\n\r\n".to_vec();
        input.extend(framed(br#"{"a":1}"#));
        input.extend(framed(b"{not json"));
        input.extend(framed(b"\xff\xfe"));
        let runtime = tokio::runtime::Builder::new_current_thread().build();
        let Ok(runtime) = runtime else { return };
        let mut out = Vec::new();
        let result = runtime.block_on(filter_messages(&input[..], &mut out));
        assert!(result.is_ok());
        let mut want = framed(br#"{"a":1}"#);
        want.extend(framed(PLACEHOLDER));
        want.extend(framed(PLACEHOLDER));
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&want)
        );
    }
}
