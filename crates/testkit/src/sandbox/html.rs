//! HTML that is safe by construction: markup can only be pasted from `&'static str` literals
//! written in this crate; every other piece of text is escaped on the way in, and links are
//! built from percent-encoded path segments.

use std::fmt::{self, Write as _};

/// HTML under construction.
#[derive(Debug, Default, Clone)]
pub(crate) struct Html(String);

impl Html {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Pastes markup written in the source code.
    pub(crate) fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    /// Adds `text` with `&`, `<`, `>`, `"` and `'` escaped: safe in element content and in a
    /// quoted attribute value.
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&#39;"),
                c => self.0.push(c),
            }
        }
        self
    }

    /// Adds something displayable (a number, a status), escaped like [`text`](Self::text).
    pub(crate) fn show(&mut self, value: impl fmt::Display) -> &mut Self {
        let text = value.to_string();
        self.text(&text)
    }

    /// Adds a local path made of `segments`, each percent-encoded so that no id can change the
    /// path's shape, for an `href`, `action` or `src` attribute.
    pub(crate) fn path(&mut self, segments: &[&str]) -> &mut Self {
        let path = path(segments);
        self.text(&path)
    }

    /// Adds another piece of HTML.
    pub(crate) fn append(&mut self, other: &Html) -> &mut Self {
        self.0.push_str(&other.0);
        self
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// A local path made of percent-encoded `segments`: `/sign/heysign/a%2Fb/ada%40example.com`.
///
/// A segment of dots only would still read as `.` or `..` to a browser, encoded or not; no
/// provider's ids or e-mail addresses are such segments.
pub(crate) fn path(segments: &[&str]) -> String {
    let mut path = String::new();
    for segment in segments {
        path.push('/');
        for byte in segment.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
                path.push(char::from(byte));
            } else {
                // Writing to a String cannot fail.
                let _ = write!(path, "%{byte:02X}");
            }
        }
    }
    if path.is_empty() {
        path.push('/');
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_markup_is_not() {
        let mut html = Html::new();
        html.raw("<p title=\"")
            .text("\"><script>alert('x')</script>")
            .raw("\">")
            .text("Tom & Jerry <tom@example.com>")
            .raw("</p>");
        assert_eq!(
            html.as_str(),
            "<p title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\">\
             Tom &amp; Jerry &lt;tom@example.com&gt;</p>"
        );
    }

    #[test]
    fn paths_are_made_of_encoded_segments() {
        assert_eq!(
            path(&["sign", "heysign", "a/b?c#d", "ada@example.com"]),
            "/sign/heysign/a%2Fb%3Fc%23d/ada%40example.com"
        );
        assert_eq!(path(&["..", "é"]), "/../%C3%A9");
        assert_eq!(path(&[]), "/");
        let mut html = Html::new();
        html.raw("<a href=\"").path(&["x", "\"y\""]).raw("\">");
        assert_eq!(html.as_str(), "<a href=\"/x/%22y%22\">");
    }
}
