//! One URL path segment from untrusted text (an id, a nonce), and back.
//!
//! Everything but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is
//! percent-encoded, so a segment can never add a `/`, start a query (`?`) or a fragment (`#`).
//! The segments `.` and `..` are refused outright rather than encoded: servers may decode
//! `%2E%2E` before resolving the path, and then an id would climb out of its place. An empty
//! segment is refused too: it would turn `/agreements/{id}` into `/agreements/`.

use std::borrow::Cow;
use std::fmt::Write as _;

use signing_core::{Error, Result};

/// Percent-encodes `text` as one path segment; `.`, `..` and the empty string are refused with
/// [`InvalidRequest`](signing_core::ErrorKind::InvalidRequest) naming `field`.
///
/// ```
/// use signing_http::segment::encode;
///
/// assert_eq!(encode("id", "agr_42").unwrap(), "agr_42");
/// assert_eq!(encode("id", "a/b c?").unwrap(), "a%2Fb%20c%3F");
/// assert_eq!(encode("id", "..%2F").unwrap(), "..%252F");
/// assert!(encode("id", "..").is_err());
/// assert!(encode("id", "").is_err());
/// ```
pub fn encode<'a>(field: &str, text: &'a str) -> Result<Cow<'a, str>> {
    match text {
        "" => Err(Error::invalid_request(field, "must not be empty")),
        "." | ".." => Err(Error::invalid_request(
            field,
            format!("`{text}` cannot be a URL path segment"),
        )),
        // Ids are nearly always left as they are: checking first saves copying them.
        _ if text.bytes().all(is_unreserved) => Ok(Cow::Borrowed(text)),
        _ => {
            let mut encoded = String::with_capacity(text.len().saturating_mul(3));
            for byte in text.bytes() {
                if is_unreserved(byte) {
                    encoded.push(char::from(byte));
                } else {
                    let _ = write!(encoded, "%{byte:02X}");
                }
            }
            Ok(Cow::Owned(encoded))
        }
    }
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Decodes a percent-encoded path segment; `None` if an escape is malformed or the result is
/// not UTF-8.
///
/// ```
/// use signing_http::segment::decode;
///
/// assert_eq!(decode("a%2Fb%20c").as_deref(), Some("a/b c"));
/// assert_eq!(decode("%zz"), None);
/// ```
pub fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let high = hex_value(*bytes.get(i + 1)?)?;
            let low = hex_value(*bytes.get(i + 2)?)?;
            decoded.push(high << 4 | low);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_text_stays_one_literal_segment() {
        for text in [
            "order-42", "a/b", "...", ".a", "x?y#z", "100%", "åsa", "a b+c", "%2E%2E",
        ] {
            let encoded = encode("id", text).unwrap();
            assert!(!encoded.contains(['/', '?', '#', ' ']), "{encoded}");
            assert!(encoded != "." && encoded != "..");
            assert_eq!(decode(&encoded).as_deref(), Some(text));
        }
        for refused in ["", ".", ".."] {
            assert!(encode("id", refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn malformed_escapes_are_refused() {
        for bad in ["%", "%4", "%zz", "%+1", "%C3", "abc%G0"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        assert_eq!(decode("%41b").as_deref(), Some("Ab"));
    }
}
