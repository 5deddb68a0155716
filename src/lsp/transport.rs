//! The language server's stdio transport: `Content-Length` frames read and written by hps itself
//! rather than by `lsp-server`, whose reader ends the server on the first bad frame. Here a frame
//! whose length is not a number, whose body is not JSON or not a JSON-RPC message, or whose length
//! is over [`MAX_MESSAGE`] is answered with a JSON-RPC error (`id: null`) and the server reads on;
//! nothing is allocated before a length is known to be under the cap. [`stdio`] hands the server
//! an `lsp_server::Connection`, so `lsp::serve_stdio` drives it as it would `lsp-server`'s own.

use std::io::{self, BufRead, Read, Write};
use std::thread;

use lsp_server::{Connection, ErrorCode, Message};
use serde_json::{Value, json};

/// The largest message read: far beyond any `.hps` document (sources are read up to 16 MiB).
pub const MAX_MESSAGE: u64 = 64 << 20;

/// The longest header line read; longer lines are read past, not kept.
const MAX_HEADER_LINE: u64 = 4096;

/// What one frame of input holds.
#[derive(Debug)]
pub enum Frame {
    /// A JSON-RPC message.
    Message(Message),
    /// A frame that is not one: the JSON-RPC error to answer with, and how many body bytes to read
    /// past before the next frame.
    Invalid {
        /// `ParseError` or `InvalidRequest`.
        code: ErrorCode,
        /// What was wrong, for the client's log.
        message: String,
        /// Body bytes to skip.
        skip: u64,
    },
    /// The end of input.
    End,
}

/// A connection over stdin and stdout, and the thread that writes stdout (join it once the
/// connection is dropped, so that everything sent is written).
#[must_use]
pub fn stdio() -> (Connection, thread::JoinHandle<()>) {
    let (server, client) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    thread::spawn(move || {
        let mut input = io::stdin().lock();
        loop {
            match read_frame(&mut input) {
                Ok(Frame::Message(message)) => {
                    let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                    if to_server.send(message).is_err() || exit {
                        return;
                    }
                }
                Ok(Frame::Invalid {
                    code,
                    message,
                    skip,
                }) => {
                    if write_frame(&mut io::stdout().lock(), &error_reply(code, &message)).is_err()
                        || io::copy(&mut (&mut input).take(skip), &mut io::sink()).is_err()
                    {
                        return;
                    }
                }
                Ok(Frame::End) | Err(_) => return,
            }
        }
    });
    let writer = thread::spawn(move || {
        for message in from_server {
            let mut output = io::stdout().lock();
            if message
                .write(&mut output)
                .and_then(|()| output.flush())
                .is_err()
            {
                return;
            }
        }
    });
    (server, writer)
}

/// Reads one frame: header lines up to an empty line, then the body `Content-Length` gives.
///
/// # Errors
/// Only when the input itself fails; a malformed frame is [`Frame::Invalid`].
pub fn read_frame(input: &mut impl BufRead) -> io::Result<Frame> {
    let mut length: Option<Result<u64, String>> = None;
    let mut any_line = false;
    loop {
        let mut line = Vec::new();
        let read = input
            .by_ref()
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(Frame::End);
        }
        if !line.ends_with(b"\n") && read as u64 == MAX_HEADER_LINE {
            // Not a header: read past the rest of the line.
            input.skip_until(b'\n')?;
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !any_line {
                continue;
            }
            break;
        }
        any_line = true;
        // After a frame whose length was unreadable its body runs into the next header: pick the
        // header up where it starts.
        let header = line.find("Content-Length:").map_or(line, |at| &line[at..]);
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                let value = value.trim();
                length = Some(
                    value
                        .parse::<u64>()
                        .map_err(|_| format!("Content-Length `{value}` is not a number")),
                );
            }
        }
    }
    let invalid = |code, message: String, skip| Frame::Invalid {
        code,
        message,
        skip,
    };
    let length = match length {
        None => {
            return Ok(invalid(
                ErrorCode::ParseError,
                String::from("a message without a Content-Length header"),
                0,
            ));
        }
        Some(Err(message)) => return Ok(invalid(ErrorCode::ParseError, message, 0)),
        Some(Ok(length)) => length,
    };
    if length > MAX_MESSAGE {
        return Ok(invalid(
            ErrorCode::InvalidRequest,
            format!(
                "a message of {length} bytes is larger than the {} MiB hps lsp reads",
                MAX_MESSAGE >> 20
            ),
            length,
        ));
    }
    let mut body = Vec::new();
    input.by_ref().take(length).read_to_end(&mut body)?;
    if (body.len() as u64) < length {
        return Ok(Frame::End);
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(e) => {
            return Ok(invalid(
                ErrorCode::ParseError,
                format!("the message is not JSON: {e}"),
                0,
            ));
        }
    };
    Ok(match serde_json::from_value::<Message>(value) {
        Ok(message) => Frame::Message(message),
        Err(e) => invalid(
            ErrorCode::InvalidRequest,
            format!("the message is not a JSON-RPC request, response or notification: {e}"),
            0,
        ),
    })
}

/// The answer to a frame that is not a message: a JSON-RPC error without an id.
fn error_reply(code: ErrorCode, message: &str) -> Vec<u8> {
    json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code as i32, "message": format!("hps lsp: {message}") },
    })
    .to_string()
    .into_bytes()
}

fn write_frame(output: &mut impl Write, body: &[u8]) -> io::Result<()> {
    write!(output, "Content-Length: {}\r\n\r\n", body.len())?;
    output.write_all(body)?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = io::BufReader::new(input);
        let mut out = Vec::new();
        loop {
            let frame = read_frame(&mut reader).unwrap();
            if let Frame::Invalid { skip, .. } = &frame {
                io::copy(&mut (&mut reader).take(*skip), &mut io::sink()).unwrap();
            }
            if matches!(frame, Frame::End) {
                return out;
            }
            out.push(frame);
        }
    }

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const EXIT: &str = r#"{"jsonrpc":"2.0","method":"exit"}"#;

    fn code_of(frame: &Frame) -> Option<i32> {
        match frame {
            Frame::Invalid { code, .. } => Some(*code as i32),
            _ => None,
        }
    }

    #[test]
    fn a_good_frame_is_a_message() {
        let found = frames(framed(EXIT).as_bytes());
        assert!(
            matches!(&found[..], [Frame::Message(Message::Notification(n))] if n.method == "exit"),
            "{found:?}"
        );
    }

    #[test]
    fn bad_frames_are_errors_and_the_next_frame_is_read() {
        let input = [
            framed("{not json"),
            framed(r#"{"jsonrpc":"2.0","id":[1]}"#),
            format!("Content-Length: abc\r\n\r\n{EXIT}"),
            String::from("Content-Length: 1000000000000\r\n\r\n"),
        ]
        .concat();
        let found = frames(input.as_bytes());
        assert_eq!(
            found.iter().map(code_of).collect::<Vec<_>>(),
            [Some(-32700), Some(-32600), Some(-32700), Some(-32600)]
        );
        let Frame::Invalid { message, skip, .. } = &found[3] else {
            unreachable!()
        };
        assert_eq!(*skip, 1_000_000_000_000);
        assert!(message.contains("larger than the 64 MiB"), "{message}");

        // A frame whose length is unreadable runs into the next, which is still read.
        let input = format!("Content-Length: abc\r\n\r\n{{\"x\":1}}{}", framed(EXIT));
        let found = frames(input.as_bytes());
        assert_eq!(code_of(&found[0]), Some(-32700));
        assert!(matches!(&found[1], Frame::Message(_)), "{found:?}");
    }

    #[test]
    fn an_error_reply_has_a_null_id() {
        let reply: Value =
            serde_json::from_slice(&error_reply(ErrorCode::ParseError, "bad")).unwrap();
        assert_eq!(reply["id"], Value::Null);
        assert_eq!(reply["error"]["code"], -32700);
        assert_eq!(reply["error"]["message"], "hps lsp: bad");
    }
}
