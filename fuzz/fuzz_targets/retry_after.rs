//! Arbitrary `Retry-After` values, parsed relative to a fixed time.

#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use signing_core::parse_retry_after;

/// 2015-10-21T07:28:00Z, the date of the HTTP-date example in RFC 9110.
const NOW_SECS: u64 = 1_445_412_480;

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS);
    let parsed = parse_retry_after(&value, now);
    let trimmed = value.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        // Delta-seconds: exactly the number, when it fits.
        assert_eq!(parsed, trimmed.parse().ok().map(Duration::from_secs));
    }
});
