//! Timestamps: RFC 3339 in UTC, strictly increasing across everything the emulator stamps, so
//! sorting by creation date is deterministic even for objects created in the same instant.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

/// Hands out strictly increasing UTC timestamps.
#[derive(Debug)]
pub(super) struct Clock {
    last: OffsetDateTime,
}

impl Clock {
    pub(super) fn new() -> Self {
        Self {
            last: OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// The current time, or one microsecond after the previous timestamp if the wall clock has
    /// not moved past it.
    pub(super) fn now(&mut self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc().max(self.last + Duration::microseconds(1));
        self.last = now;
        now
    }
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
        let mut clock = Clock::new();
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
