//! `application/x-www-form-urlencoded` text, for every emulator: token requests and query
//! strings decoded, query values encoded.

use std::fmt::Write as _;

/// The name/value pairs of `input`, in order, with `+` and percent-escapes decoded.
///
/// A malformed escape is kept literally, as browsers do; bytes that do not form UTF-8 after
/// decoding are replaced, since no valid parameter of this API contains them.
pub(crate) fn parse(input: &str) -> Vec<(String, String)> {
    input
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => decoded.push(b' '),
            b'%' => {
                let escaped = bytes
                    .get(index + 1..index + 3)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                if let Some(byte) = escaped {
                    decoded.push(byte);
                    index += 2;
                } else {
                    decoded.push(b'%');
                }
            }
            byte => decoded.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Percent-encodes a query value (everything but unreserved characters).
#[cfg_attr(not(feature = "docusign"), allow(dead_code))]
pub(crate) fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs() {
        assert_eq!(
            parse("metadata%5Bfoo%5D=a+b%20c&x&&y=%zz%4"),
            vec![
                ("metadata[foo]".to_owned(), "a b c".to_owned()),
                ("x".to_owned(), String::new()),
                ("y".to_owned(), "%zz%4".to_owned()),
            ]
        );
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(
            encode("2026-01-01T00:00:00+01:00"),
            "2026-01-01T00%3A00%3A00%2B01%3A00"
        );
        assert_eq!(
            parse(&format!("a={}", encode("x=1&y"))),
            [("a".to_owned(), "x=1&y".to_owned())]
        );
    }
}
