//! Timestamps as HeySign writes them: RFC 3339 in UTC, in microseconds.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::emulator::clock::Clock;

/// The emulator's clock: strictly increasing timestamps, a microsecond apart at least.
pub(super) fn clock() -> Clock {
    Clock::new(Duration::microseconds(1))
}

/// Formats `at` as RFC 3339 in UTC (`2026-01-02T03:04:05.123456Z`).
pub(super) fn format(at: OffsetDateTime) -> String {
    // Formatting only fails for years outside 0..=9999, which neither the wall clock nor an
    // RFC 3339 input can produce.
    at.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Parses an RFC 3339 date-time with any offset.
pub(super) fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_increase_and_format_in_utc() {
        let mut clock = clock();
        let first = clock.now();
        let second = clock.now();
        assert!(second > first);
        let text = format(second);
        assert!(text.ends_with('Z'), "{text}");
        assert_eq!(parse(&text), Some(second));
        let shifted = parse("2026-01-02T05:04:05+02:00").expect("valid date");
        assert_eq!(format(shifted), "2026-01-02T03:04:05Z");
    }
}
