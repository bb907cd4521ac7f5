//! Where an emulator may call back: the providers' documents require `https`; plain `http` is
//! accepted for a loopback host so tests can receive deliveries without TLS, and only loopback
//! hosts are ever called.

/// Whether `raw` is a URL whose host is this machine (`localhost`, 127.0.0.0/8, `[::1]`).
pub(crate) fn is_loopback(raw: &str) -> bool {
    reqwest::Url::parse(raw).is_ok_and(|url| signing_core::net::is_loopback(&url))
}

/// Whether `raw` is an `https` URL, or an `http` URL to a loopback host.
pub(crate) fn is_https_or_loopback(raw: &str) -> bool {
    match reqwest::Url::parse(raw) {
        Ok(url) => match url.scheme() {
            "https" => url.host_str().is_some(),
            "http" => signing_core::net::is_loopback(&url),
            _ => false,
        },
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_loopback_urls() {
        assert!(is_loopback("http://127.0.0.1:8080/hook"));
        assert!(is_loopback("http://127.3.2.1/hook"));
        assert!(is_loopback("http://[::1]:9/hook"));
        assert!(is_loopback("http://LocalHost/hook"));
        assert!(!is_loopback("https://example.com/hook"));
        assert!(!is_loopback("http://10.0.0.1/hook"));
        assert!(!is_loopback("not a url"));
        assert!(is_https_or_loopback("https://example.com/hook"));
        assert!(is_https_or_loopback("http://localhost/hook"));
        assert!(!is_https_or_loopback("http://example.com/hook"));
        assert!(!is_https_or_loopback("ftp://127.0.0.1/hook"));
        assert!(!is_https_or_loopback("/hook"));
    }
}
