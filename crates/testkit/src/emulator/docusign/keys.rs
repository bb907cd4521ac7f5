//! The RSA key pair of the emulated integration key.
//!
//! DocuSign keeps the public half of an integration key's RSA key pair and the application signs
//! its JWT assertions with the private half. The emulator generates one 2048-bit pair per
//! process (generation takes a noticeable fraction of a second, so it is cached) and hands the
//! private half out as PEM so a test or an application can configure its client with it.

use std::fmt::Write as _;
use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// One RSA key pair: the private key as PKCS#8 PEM, the public key as PKCS#1 DER.
#[derive(Debug)]
pub(super) struct TestKey {
    pub(super) private_pem: String,
    pub(super) public_der: Vec<u8>,
}

/// The process-wide key pair, generated on first use.
///
/// # Panics
///
/// If the system cannot generate an RSA key, which leaves the emulator unusable anyway.
pub(super) fn test_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("generate an RSA key pair");
        let pkcs8 = pair.as_der().expect("encode the RSA key as PKCS#8");
        TestKey {
            private_pem: pem("PRIVATE KEY", pkcs8.as_ref()),
            public_der: pair.public_key().as_ref().to_vec(),
        }
    })
}

/// PEM text: the label lines around the base64 of `der`, 64 characters a line.
fn pem(label: &str, der: &[u8]) -> String {
    let encoded = BASE64.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    // Base64 output is ASCII, so splitting it into byte chunks keeps every chunk valid UTF-8.
    for line in encoded.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(line));
        text.push('\n');
    }
    let _ = writeln!(text, "-----END {label}-----");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_and_is_pem() {
        let key = test_key();
        assert!(std::ptr::eq(key, test_key()));
        assert!(key.private_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(key.private_pem.ends_with("-----END PRIVATE KEY-----\n"));
        assert!(
            key.private_pem
                .lines()
                .all(|line| line.len() <= 64 || line.starts_with("-----"))
        );
        assert!(jsonwebtoken::EncodingKey::from_rsa_pem(key.private_pem.as_bytes()).is_ok());
        assert!(!key.public_der.is_empty());
    }
}
