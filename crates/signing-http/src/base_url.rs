//! Where an API is: one rule for every adapter, and URLs built from segments only.

use std::fmt;

use signing_core::net::{UrlRules, check_url};
use signing_core::{Error, Result};
use url::Url;

use crate::segment;

/// A checked base URL: `https`, or plain `http` to a loopback host (for local emulators); no
/// credentials, query or fragment. Request URLs are made from it with [`url`](Self::url) and
/// percent-encoded segments only, so no id can change a path's shape.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// Always ends with `/`, so appending segments keeps the base path.
    url: Url,
}

impl BaseUrl {
    /// Parses and checks `raw`; errors name `field` (`api_url`, `base_url`, ...). Plain `http`
    /// is accepted to a loopback host, for local emulators.
    pub fn parse(field: &str, raw: &str) -> Result<Self> {
        Self::parse_with(field, raw, UrlRules::strict().loopback_http(true))
    }

    /// Like [`parse`](Self::parse), with the rules given (a callback URL an application serves
    /// accepts loopback `http` only when asked to). A query is never accepted.
    pub fn parse_with(field: &str, raw: &str, rules: UrlRules) -> Result<Self> {
        let mut url = check_url(field, raw, rules.query(false))?;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self { url })
    }

    /// The URL of `segments` below this base, each percent-encoded as one segment
    /// ([`segment::encode`](crate::segment::encode)): ids with `/`, `?`, `#` stay inside their
    /// segment, and `.`, `..` or an empty segment are refused.
    pub fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut path = String::with_capacity(
            self.url.path().len() + segments.iter().map(|s| s.len() + 1).sum::<usize>(),
        );
        path.push_str(self.url.path());
        for (i, segment) in segments.iter().enumerate() {
            if i > 0 {
                path.push('/');
            }
            path.push_str(&segment::encode("id", segment)?);
        }
        let mut url = self.url.clone();
        // Every segment is already encoded, so `set_path` has nothing left to encode and `.`
        // segments cannot occur: the path is exactly the one built here.
        url.set_path(&path);
        if url.path() != path {
            return Err(Error::invalid_request("id", "cannot be used in a URL path"));
        }
        Ok(url)
    }

    /// The base URL `segments` below this one (`{api}/v1/` from `{api}/`).
    pub fn below(&self, segments: &[&str]) -> Result<Self> {
        let mut url = self.url(segments)?;
        let path = format!("{}/", url.path());
        url.set_path(&path);
        Ok(Self { url })
    }

    /// The base URL itself (ending with `/`).
    pub fn as_url(&self) -> &Url {
        &self.url
    }

    /// The base URL as text, without its trailing `/`.
    pub fn as_str(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    /// The authority: host and, when not the scheme's default, port (`account-d.docusign.com`,
    /// `127.0.0.1:8080`).
    pub fn authority(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({:?})", self.as_str())
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_built_below_the_base_from_encoded_segments() {
        let base = BaseUrl::parse("api_url", "https://api.example.com/prefix").unwrap();
        assert_eq!(base.as_str(), "https://api.example.com/prefix");
        assert_eq!(
            base.url(&["v1", "agreements", "a b"]).unwrap().as_str(),
            "https://api.example.com/prefix/v1/agreements/a%20b"
        );
        assert_eq!(
            base.url(&["v1", "agreements", "../../webhooks"])
                .unwrap()
                .path(),
            "/prefix/v1/agreements/..%2F..%2Fwebhooks"
        );
        for bad in ["..", ".", ""] {
            assert!(base.url(&["v1", "agreements", bad]).is_err(), "{bad:?}");
        }
        let v1 = base.below(&["v1"]).unwrap();
        assert_eq!(v1.url(&["files"]).unwrap().path(), "/prefix/v1/files");
        let root = BaseUrl::parse("api_url", "http://127.0.0.1:9/").unwrap();
        assert_eq!(root.url(&["v1"]).unwrap().as_str(), "http://127.0.0.1:9/v1");
        assert_eq!(root.authority(), "127.0.0.1:9");
        assert_eq!(
            BaseUrl::parse("a", "https://account-d.docusign.com")
                .unwrap()
                .authority(),
            "account-d.docusign.com"
        );
    }

    #[test]
    fn the_one_url_rule_applies() {
        for bad in [
            "http://api.example.com",
            "https://u:p@api.example.com",
            "https://api.example.com/?q=1",
            "https://api.example.com/#f",
            "ftp://api.example.com",
            "nope",
        ] {
            assert!(BaseUrl::parse("api_url", bad).is_err(), "{bad}");
        }
    }
}
