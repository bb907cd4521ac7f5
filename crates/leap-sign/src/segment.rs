//! Putting caller-controlled text (project ids, callback nonces) into one URL path segment.
//!
//! Everything but the RFC 3986 unreserved characters is percent-encoded, so an id can never
//! add a segment (`/`), start a query (`?`) or climb the path (`..`).

use std::fmt::Write as _;

/// Percent-encodes `text` as a single path segment.
pub(crate) fn encode(text: &str) -> String {
    // Ids are nearly always left as they are; checking first saves building them byte by byte.
    if text.bytes().all(is_kept) {
        return text.to_owned();
    }
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if is_kept(byte) {
            encoded.push(char::from(byte));
        } else {
            // A dot is unreserved too, but `.` and `..` segments are rewritten by URL
            // normalisation; encoding every dot keeps the segment literal.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// The bytes left as they are: the unreserved characters but `.`.
fn is_kept(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'~')
}

/// Decodes a percent-encoded path segment; `None` if an escape is malformed or the result is
/// not UTF-8.
pub(crate) fn decode(segment: &str) -> Option<String> {
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
    fn round_trips_and_stays_one_segment() {
        for text in ["order-42", "a/b", "..", "x?y#z", "100%", "åsa", "a b+c", ""] {
            let encoded = encode(text);
            assert!(!encoded.contains(['/', '?', '#', '.', ' ']), "{encoded}");
            assert_eq!(decode(&encoded).as_deref(), Some(text));
        }
        assert_eq!(encode("ref-1_x~"), "ref-1_x~");
        assert_eq!(encode("a/b"), "a%2Fb");
        assert_eq!(encode(".."), "%2E%2E");
    }

    #[test]
    fn malformed_escapes_are_refused() {
        for bad in ["%", "%4", "%zz", "%+1", "%C3", "abc%G0"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        assert_eq!(decode("%41b").as_deref(), Some("Ab"));
    }
}
