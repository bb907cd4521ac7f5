//! `signing webhook verify`: checks a captured Standard Webhooks request and says why it fails.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;
use signing::webhook::{WebhookSecret, WebhookVerifier, secret_list};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::VerifyArgs;
use crate::exit::{CliError, Code};
use crate::output::{self, Output};

/// Verifies the captured request and prints what it established.
pub(crate) fn verify(args: &VerifyArgs, out: Output) -> Result<(), CliError> {
    let mut secrets = args.secret.clone();
    for path in &args.secret_file {
        secrets.push(std::fs::read_to_string(path).map_err(|e| {
            CliError::input(format!("cannot read --secret-file `{}`: {e}", shown(path)))
        })?);
    }
    let verifier = verifier(&secrets)?.tolerance(Duration::from_secs(args.tolerance));
    let raw = read_capture(&args.request)?;
    let capture = parse_capture(&raw).map_err(|reason| {
        CliError::input(format!(
            "`{}` is not a captured HTTP request: {reason}",
            shown(&args.request)
        ))
    })?;
    let now = match args.now {
        Some(secs) => OffsetDateTime::from_unix_timestamp(secs)
            .map_err(|_| CliError::input(format!("--now {secs} is not a valid Unix time")))?,
        None => OffsetDateTime::now_utc(),
    };
    let verified = verifier
        .verify_at(&capture.headers, &capture.body, now)
        .map_err(|why| CliError::new(Code::WebhookRejected, format!("webhook rejected: {why}")))?;

    // Only a verified body is worth reading; its type is a hint, so a non-JSON body is fine.
    let event_type = serde_json::from_slice::<serde_json::Value>(&capture.body)
        .ok()
        .and_then(|body| body.get("type")?.as_str().map(str::to_owned));
    let timestamp = verified
        .timestamp
        .format(&Rfc3339)
        .unwrap_or_else(|_| verified.timestamp.unix_timestamp().to_string());
    if out.json() {
        return output::print_json(&json!({
            "verified": true,
            "id": verified.id,
            "timestamp": timestamp,
            "type": event_type,
        }));
    }
    let mut text = format!(
        "verified  webhook signature matches\nid        {}\ntimestamp {timestamp} ({})\n",
        verified.id,
        verified.timestamp.unix_timestamp()
    );
    if let Some(event_type) = event_type {
        text = text + "type      " + &event_type + "\n";
    }
    output::print(&text)
}

/// A verifier accepting any of the secrets; one `--secret` (or file) may hold several,
/// separated by whitespace or commas, as `HEYSIGN_WEBHOOK_SECRET` does.
fn verifier(given: &[String]) -> Result<WebhookVerifier, CliError> {
    let secrets = given
        .iter()
        .flat_map(|value| secret_list(value))
        .enumerate()
        // The secret itself is never part of the message.
        .map(|(i, s)| {
            WebhookSecret::new(s)
                .map_err(|why| CliError::input(format!("invalid --secret #{}: {why}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    WebhookVerifier::with_secrets(secrets)
        .map_err(|why| CliError::input(format!("invalid --secret: {why}")))
}

fn shown(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

fn read_capture(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut raw = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin().lock().read_to_end(&mut raw).map(|_| ())
    } else {
        std::fs::read(path).map(|bytes| raw = bytes)
    };
    read.map_err(|e| CliError::input(format!("cannot read `{}`: {e}", shown(path))))?;
    Ok(raw)
}

/// A captured request's headers and body.
#[derive(Debug)]
struct Capture {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Parses a request as captured on the wire or written out by a proxy: an optional request
/// line, `Name: value` header lines, a blank line, and the body exactly as received.
///
/// With `Content-Length`, bytes after that length are dropped (an editor's final newline is not
/// part of the request); with `Transfer-Encoding: chunked` the body is decoded, as the receiving
/// server would have done before verifying.
fn parse_capture(raw: &[u8]) -> Result<Capture, String> {
    let raw = skip_blank_lines(raw);
    if raw.is_empty() {
        return Err("it is empty".to_owned());
    }
    let (head, body) = split_head(raw);
    let mut headers = HeaderMap::new();
    for (index, line) in head.split(|&b| b == b'\n').enumerate() {
        let number = index + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match header(line) {
            Some((name, value)) => {
                headers.append(name, value);
            }
            None if index == 0 && is_request_line(line) => {}
            None if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') => {
                return Err(format!(
                    "line {number} continues a folded header, which is not supported"
                ));
            }
            None => {
                return Err(format!(
                    "line {number} is not a `Name: value` header (end the headers with a blank line)"
                ));
            }
        }
    }
    let body = if is_chunked(&headers) {
        decode_chunked(body)?
    } else if let Some(length) = content_length(&headers)? {
        if body.len() < length {
            return Err(format!(
                "the body is {} bytes but Content-Length says {length}: the capture is incomplete",
                body.len()
            ));
        }
        body[..length].to_vec()
    } else {
        body.to_vec()
    };
    Ok(Capture { headers, body })
}

fn skip_blank_lines(mut raw: &[u8]) -> &[u8] {
    loop {
        if let Some(rest) = raw.strip_prefix(b"\r\n") {
            raw = rest;
        } else if let Some(rest) = raw.strip_prefix(b"\n") {
            raw = rest;
        } else {
            return raw;
        }
    }
}

/// The header block and the body, split at the first empty line.
fn split_head(raw: &[u8]) -> (&[u8], &[u8]) {
    let crlf = find(raw, b"\r\n\r\n").map(|at| (at, 4));
    let lf = find(raw, b"\n\n").map(|at| (at, 2));
    let first = match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    if let Some((at, len)) = first {
        (&raw[..at], &raw[at + len..])
    } else {
        let head = raw.strip_suffix(b"\n").unwrap_or(raw);
        (head.strip_suffix(b"\r").unwrap_or(head), &[])
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn header(line: &[u8]) -> Option<(HeaderName, HeaderValue)> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = HeaderName::from_bytes(&line[..colon]).ok()?;
    let value = line[colon + 1..].trim_ascii();
    let value = HeaderValue::from_bytes(value).ok()?;
    Some((name, value))
}

/// `POST /hooks HTTP/1.1`: a method, a target and a version.
fn is_request_line(line: &[u8]) -> bool {
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let parts: Vec<&str> = line.split(' ').collect();
    matches!(parts.as_slice(), [method, target, version]
        if !method.is_empty()
            && method.bytes().all(|b| b.is_ascii_uppercase())
            && !target.is_empty()
            && version.starts_with("HTTP/"))
}

fn content_length(headers: &HeaderMap) -> Result<Option<usize>, String> {
    let Some(value) = headers.get(http::header::CONTENT_LENGTH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .map(Some)
        .ok_or_else(|| "the Content-Length header is not a number".to_owned())
}

fn is_chunked(headers: &HeaderMap) -> bool {
    headers
        .get_all(http::header::TRANSFER_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.to_ascii_lowercase().contains("chunked"))
}

fn decode_chunked(mut raw: &[u8]) -> Result<Vec<u8>, String> {
    let broken = || "the chunked body is incomplete or malformed".to_owned();
    let mut body = Vec::new();
    loop {
        let end = find(raw, b"\r\n").ok_or_else(broken)?;
        let size_line = std::str::from_utf8(&raw[..end]).map_err(|_| broken())?;
        let size_text = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| broken())?;
        raw = &raw[end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = raw.get(..size).ok_or_else(broken)?;
        body.extend_from_slice(chunk);
        raw = raw[size..].strip_prefix(b"\r\n").ok_or_else(broken)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_capture_is_parsed() {
        let raw = b"POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nwebhook-id: msg_1\r\nContent-Length: 7\r\n\r\n{\"a\":1}\n";
        let capture = parse_capture(raw).unwrap();
        assert_eq!(capture.headers["webhook-id"], "msg_1");
        assert_eq!(capture.headers["host"], "127.0.0.1");
        assert_eq!(capture.body, b"{\"a\":1}");
    }

    #[test]
    fn the_request_line_and_content_length_are_optional() {
        let capture = parse_capture(b"webhook-id: msg_1\n\nbody\n").unwrap();
        assert_eq!(capture.headers["webhook-id"], "msg_1");
        // Without a length, the body is every remaining byte.
        assert_eq!(capture.body, b"body\n");

        let capture = parse_capture(b"webhook-id: msg_1\n").unwrap();
        assert!(capture.body.is_empty());
    }

    #[test]
    fn chunked_bodies_are_decoded() {
        let raw = b"Transfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n";
        assert_eq!(parse_capture(raw).unwrap().body, b"Wikipedia");
        let truncated = b"Transfer-Encoding: chunked\r\n\r\n9\r\nWiki";
        assert!(parse_capture(truncated).unwrap_err().contains("chunked"));
    }

    #[test]
    fn broken_captures_say_where() {
        assert_eq!(parse_capture(b"\n\n").unwrap_err(), "it is empty");
        assert!(
            parse_capture(b"webhook-id: 1\nnot a header\n\nbody")
                .unwrap_err()
                .starts_with("line 2 ")
        );
        assert!(
            parse_capture(b"{\"type\": \"x\"}")
                .unwrap_err()
                .starts_with("line 1 ")
        );
        assert!(
            parse_capture(b"a: 1\n folded\n\n")
                .unwrap_err()
                .contains("folded")
        );
        assert!(
            parse_capture(b"Content-Length: 10\n\nshort")
                .unwrap_err()
                .contains("incomplete")
        );
        assert!(
            parse_capture(b"Content-Length: ten\n\nshort")
                .unwrap_err()
                .contains("not a number")
        );
    }

    #[test]
    fn secrets_are_checked_without_showing_them() {
        let err = verifier(&["whsec_not base64!".to_owned()]).unwrap_err();
        assert!(!err.to_string().contains("base64!"), "{err}");
        assert_eq!(err.code(), Code::InvalidInput);
        assert!(verifier(&[" , ".to_owned()]).is_err());
        verifier(&[
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,whsec_c2Vjb25kIGtleSBvZiAyNCBieXRlcyEh"
                .to_owned(),
        ])
        .unwrap();
    }
}
