//! The PDFs the document endpoints return that are not a client's own bytes: the certificate of
//! completion (a small but well-formed one-page PDF), and the marker that ends a combined
//! download.

use std::fmt::Write as _;

/// A one-page PDF showing `lines` of text in Helvetica, top to bottom.
pub(super) fn text_pdf(title: &str, lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 16 Tf 56 780 Td ");
    let _ = write!(content, "({}) Tj /F1 10 Tf", escape(title));
    for line in lines {
        let _ = write!(content, " 0 -16 Td ({}) Tj", escape(line));
    }
    content.push_str(" ET");

    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (number, object) in (1_usize..).zip(&objects) {
        offsets.push(pdf.len());
        let _ = write!(pdf, "{number} 0 obj\n{object}\nendobj\n");
    }
    let xref = pdf.len();
    let _ = write!(pdf, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(pdf, "{offset:010} 00000 n ");
    }
    let _ = write!(
        pdf,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    pdf.into_bytes()
}

/// Text safe inside a PDF string literal: the delimiters escaped, anything outside printable
/// ASCII replaced by `?` (the standard fonts' encoding differs from Unicode there).
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                escaped.push('\\');
                escaped.push(c);
            }
            ' '..='~' => escaped.push(c),
            _ => escaped.push('?'),
        }
    }
    escaped
}

/// The line appended after each document in a combined download, so a test can tell the
/// combined PDF from the documents it was made of. A PDF comment, ignored by readers.
pub(super) fn combined_marker(envelope_id: &str, document_id: &str) -> String {
    format!("%DocuSign-Emulator combined envelope={envelope_id} document={document_id}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pdf_is_well_formed() {
        let pdf = text_pdf(
            "Certificate (of) Completion",
            &["Envelope Id: e1".to_owned()],
        );
        let text = String::from_utf8(pdf).expect("ascii");
        assert!(text.starts_with("%PDF-1.4\n"));
        assert!(text.ends_with("%%EOF\n"));
        assert!(text.contains("(Certificate \\(of\\) Completion) Tj"));
        // Every xref offset points at the start of its object.
        let xref_start = text.find("xref\n").expect("xref");
        let entries: Vec<usize> = text[xref_start..]
            .lines()
            .skip(3)
            .take(5)
            .map(|line| line[..10].parse().expect("offset"))
            .collect();
        for (number, offset) in (1_usize..).zip(entries) {
            assert!(text[offset..].starts_with(&format!("{number} 0 obj")));
        }
        let startxref: usize = text
            .lines()
            .rev()
            .nth(1)
            .and_then(|line| line.parse().ok())
            .expect("startxref");
        assert_eq!(startxref, xref_start);
        assert_eq!(escape("é\\"), "?\\\\");
    }
}
