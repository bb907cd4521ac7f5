//! DocuSign's binary form of "create envelope": `multipart/form-data` whose first part is the
//! JSON envelope definition and whose further parts are the documents' raw bytes.
//!
//! The specification describes this form only for other endpoints (user signature images); the
//! emulator follows DocuSign's guide to sending documents in binary: each document part carries
//! `Content-Disposition: file; filename="..."; documentid=N` (the parameter name compared
//! case-insensitively), and the definition's document with `documentId` `N` omits
//! `documentBase64`. `multipart/mixed` is accepted too.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::api_error::ApiError;

/// More parts than any envelope needs: a guard against a runaway body, not a DocuSign limit.
const MAX_PARTS: usize = 1_000;

/// A multipart "create envelope" body, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Form {
    /// The first part: the envelope definition as JSON.
    pub(super) definition: Bytes,
    /// The document parts, by their `documentid`.
    pub(super) documents: BTreeMap<String, Bytes>,
}

/// The boundary of a `multipart/form-data` or `multipart/mixed` content type; `None` for any
/// other content type.
pub(super) fn boundary(content_type: &str) -> Option<String> {
    let mut pieces = content_type.split(';');
    let essence = pieces.next()?.trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data")
        && !essence.eq_ignore_ascii_case("multipart/mixed")
    {
        return None;
    }
    pieces.find_map(|piece| {
        let (name, value) = piece.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|boundary| !boundary.is_empty())
    })
}

fn malformed(detail: &str) -> ApiError {
    ApiError::new(
        "INVALID_MULTI_PART_REQUEST",
        format!("An error was found while parsing the multipart request. {detail}"),
    )
}

/// Splits `body` into the definition and the document parts.
pub(super) fn parse(body: &Bytes, boundary: &str) -> Result<Form, ApiError> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut position = if body.starts_with(delimiter) {
        0
    } else {
        find(body, &[b"\r\n", delimiter].concat(), 0)
            .map(|index| index + 2)
            .ok_or_else(|| malformed("The boundary does not occur in the body."))?
    };
    let mut parts: Vec<Bytes> = Vec::new();
    loop {
        position += delimiter.len();
        if body[position..].starts_with(b"--") {
            break;
        }
        if parts.len() == MAX_PARTS {
            return Err(malformed("The body has too many parts."));
        }
        let Some(start) = skip_line_end(body, position) else {
            return Err(malformed("A boundary line does not end with CRLF."));
        };
        let closing = [b"\r\n", delimiter].concat();
        let Some(end) = find(body, &closing, start) else {
            return Err(malformed("The body ends without a closing boundary."));
        };
        parts.push(body.slice(start..end));
        position = end + 2;
    }
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Err(malformed("The body has no parts."));
    };
    let (headers, definition) = split_part(&first)?;
    if let Some(content_type) = header(&headers, "content-type") {
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(malformed(
                "The first part must be the envelope definition as application/json.",
            ));
        }
    }
    let mut documents = BTreeMap::new();
    for part in parts {
        let (headers, content) = split_part(&part)?;
        let disposition = header(&headers, "content-disposition").unwrap_or_default();
        let Some(document_id) = parameter(disposition, "documentid") else {
            return Err(malformed(
                "Each part after the first needs Content-Disposition: file; filename=\"...\"; documentid=N.",
            ));
        };
        if documents.insert(document_id.clone(), content).is_some() {
            return Err(malformed(&format!(
                "Two parts carry documentid={document_id}."
            )));
        }
    }
    Ok(Form {
        definition,
        documents,
    })
}

/// The position after the CRLF (optionally preceded by spaces) that ends a boundary line.
fn skip_line_end(body: &[u8], mut position: usize) -> Option<usize> {
    while body
        .get(position)
        .is_some_and(|byte| *byte == b' ' || *byte == b'\t')
    {
        position += 1;
    }
    body[position..]
        .starts_with(b"\r\n")
        .then_some(position + 2)
}

/// Splits a part into its header lines and its content.
fn split_part(part: &Bytes) -> Result<(Vec<(String, String)>, Bytes), ApiError> {
    let (head, content) = if part.starts_with(b"\r\n") {
        (&b""[..], part.slice(2..))
    } else {
        let end = find(part, b"\r\n\r\n", 0)
            .ok_or_else(|| malformed("A part has no blank line after its headers."))?;
        (&part[..end], part.slice(end + 4..))
    };
    let head =
        std::str::from_utf8(head).map_err(|_| malformed("A part's headers are not UTF-8."))?;
    let headers = head
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split_once(':')
                .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
                .ok_or_else(|| malformed("A part has a header line without a colon."))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((headers, content))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A parameter of a header value such as `file; filename="a.pdf"; documentid=1`, its name
/// compared case-insensitively and its value unquoted.
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|piece| {
        let (key, value) = piece.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The first index at or after `from` where `needle` occurs.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|index| index + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_boundary() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"AaB03x\"").as_deref(),
            Some("AaB03x")
        );
        assert_eq!(
            boundary("Multipart/Mixed;charset=utf-8; Boundary=x").as_deref(),
            Some("x")
        );
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn splits_definition_and_documents() {
        let body = Bytes::from_static(
            b"preamble\r\n--XX\r\nContent-Type: application/json\r\nContent-Disposition: form-data\r\n\r\n{\"a\":1}\r\n--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: file; filename=\"a.pdf\"; documentId=\"2\"\r\n\r\n%PDF-1.7\r\n\r\n--XX--\r\n",
        );
        let form = parse(&body, "XX").expect("valid");
        assert_eq!(form.definition.as_ref(), b"{\"a\":1}");
        assert_eq!(form.documents["2"].as_ref(), b"%PDF-1.7\r\n");
    }

    #[test]
    fn refuses_broken_forms() {
        let cases: [&[u8]; 5] = [
            b"no boundary here",
            b"--XX\r\n\r\n{}\r\n--XX\r\nContent-Disposition: file; filename=\"a.pdf\"\r\n\r\nx\r\n--XX--",
            b"--XX\r\nContent-Type: text/plain\r\n\r\n{}\r\n--XX--",
            b"--XX\r\n\r\n{}",
            b"--XX--",
        ];
        for body in cases {
            let error = parse(&Bytes::from_static(body), "XX").expect_err("refused");
            assert_eq!(error.code, "INVALID_MULTI_PART_REQUEST");
        }
    }
}
