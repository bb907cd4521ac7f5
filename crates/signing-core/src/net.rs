//! The one rule for every URL the signing crates send to or hand out: an API's base URL, a
//! callback URL, a webhook receiver.
//!
//! A URL must use `https`, or plain `http` to a loopback host (`localhost`, 127.0.0.0/8, `[::1]`)
//! where the caller allows it, so that tests can run against local emulators and nothing else
//! travels unencrypted. It never carries credentials (they would end up in logs and proxies)
//! nor a fragment (which no server sees).

use std::net::IpAddr;

use url::Url;

use crate::error::{Error, Result};

/// Whether `url` points at this machine: `localhost`, 127.0.0.0/8 or `[::1]`.
///
/// ```
/// use signing_core::net::is_loopback;
///
/// let url = |s| url::Url::parse(s).unwrap();
/// assert!(is_loopback(&url("http://127.0.0.1:8080/x")));
/// assert!(is_loopback(&url("http://LOCALHOST/")));
/// assert!(is_loopback(&url("http://[::1]/")));
/// assert!(!is_loopback(&url("http://127.0.0.1.example.com/")));
/// ```
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// What [`check_url`] accepts beyond `https` URLs without credentials or a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct UrlRules {
    /// Plain `http` to a loopback host.
    pub loopback_http: bool,
    /// A query string (a callback URL may carry one; a base URL may not).
    pub query: bool,
}

impl UrlRules {
    /// `https` only, without a query.
    pub fn strict() -> Self {
        Self::default()
    }

    /// Also plain `http` to a loopback host.
    #[must_use]
    pub fn loopback_http(mut self, allow: bool) -> Self {
        self.loopback_http = allow;
        self
    }

    /// Also a query string.
    #[must_use]
    pub fn query(mut self, allow: bool) -> Self {
        self.query = allow;
        self
    }
}

/// Parses `raw` and checks it against the URL rule; errors name `field`.
///
/// ```
/// use signing_core::net::{UrlRules, check_url};
///
/// let api = UrlRules::strict().loopback_http(true);
/// assert!(check_url("api_url", "https://api.example.com/v1", api).is_ok());
/// assert!(check_url("api_url", "http://127.0.0.1:9", api).is_ok());
/// assert!(check_url("api_url", "http://api.example.com", api).is_err());
/// assert!(check_url("api_url", "https://user:pw@api.example.com", api).is_err());
/// assert!(check_url("api_url", "https://api.example.com/?a=1", api).is_err());
/// ```
pub fn check_url(field: &str, raw: &str, rules: UrlRules) -> Result<Url> {
    let url = Url::parse(raw)
        .map_err(|e| Error::invalid_request(field, format!("`{raw}` is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        // The URL is not repeated: it holds the credentials.
        return Err(Error::invalid_request(
            field,
            "must not contain credentials",
        ));
    }
    if url.fragment().is_some() {
        return Err(Error::invalid_request(field, "must not contain a fragment"));
    }
    if url.query().is_some() && !rules.query {
        return Err(Error::invalid_request(field, "must not contain a query"));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback(&url) && rules.loopback_http => Ok(url),
        "http" if is_loopback(&url) => Err(Error::invalid_request(
            field,
            "must use https (plain http to a loopback host is not enabled here)",
        )),
        _ => Err(Error::invalid_request(
            field,
            format!("`{raw}` must use https (plain http only to a loopback host)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn refused(raw: &str, rules: UrlRules) -> String {
        match check_url("f", raw, rules).unwrap_err().kind() {
            ErrorKind::InvalidRequest { field, reason } => {
                assert_eq!(field, "f");
                reason.clone()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_rule_for_every_url() {
        let local = UrlRules::strict().loopback_http(true);
        for ok in [
            "https://a.example.com",
            "https://a.example.com/base/",
            "http://localhost:1/x",
            "http://127.0.0.2/",
            "http://[::1]:9/",
        ] {
            check_url("f", ok, local).unwrap();
        }
        assert!(refused("http://10.0.0.1/", local).contains("https"));
        assert!(refused("http://127.0.0.1/", UrlRules::strict()).contains("loopback"));
        assert!(refused("ftp://a.example.com/", local).contains("https"));
        assert!(refused("not a url", local).contains("not a URL"));
        let with_credentials = refused("https://me:hunter2@a.example.com/", local);
        assert!(!with_credentials.contains("hunter2"), "{with_credentials}");
        assert!(refused("https://a.example.com/#x", local).contains("fragment"));
        assert!(refused("https://a.example.com/?q=1", local).contains("query"));
        check_url("f", "https://a.example.com/?q=1", local.query(true)).unwrap();
    }
}
