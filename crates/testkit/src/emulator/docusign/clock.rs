//! Timestamps as DocuSign writes them (`2026-01-02T03:04:05.1234567Z`: UTC, seven fractional
//! digits), strictly increasing across everything the emulator stamps, and the looser dates a
//! client may put in a query string.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::emulator::clock::Clock;

/// The emulator's clock: strictly increasing timestamps, 100 ns apart at least and with no
/// digits below 100 ns (the precision DocuSign's timestamps show).
pub(super) fn clock() -> Clock {
    Clock::new(Duration::nanoseconds(100))
}

/// Formats `at` the way DocuSign's JSON does: `2026-01-02T03:04:05.1234567Z`.
pub(super) fn format(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.nanosecond() / 100,
    )
}

/// Parses a date given in a query string (`from_date`, `to_date`).
///
/// DocuSign accepts anything .NET's `DateTime.Parse` does and recommends ISO 8601 with an
/// offset. The emulator accepts ISO 8601 / RFC 3339 date-times, with or without seconds and
/// fraction, and plain dates (`2026-01-02`); without an offset the time is read as UTC (the
/// emulator's "server time zone").
pub(super) fn parse_query_date(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((date, time)) => (date, time),
        None => (text, "00:00:00"),
    };
    // Split an offset off the time, if there is one.
    let (time, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(index) => (&time[..index], &time[index..]),
        None => (time, "Z"),
    };
    let time = if time.len() == 5 {
        format!("{time}:00")
    } else {
        time.to_owned()
    };
    OffsetDateTime::parse(&format!("{date}T{time}{offset}"), &Rfc3339).ok()
}

/// Seconds since the Unix epoch, now.
pub(super) fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_increase_and_use_seven_digits() {
        let mut clock = clock();
        let first = clock.now();
        let second = clock.now();
        assert!(second > first);
        assert_eq!(
            format(datetime!(2026-01-02 03:04:05.123_456_789 UTC)),
            "2026-01-02T03:04:05.1234567Z"
        );
        assert_eq!(
            format(datetime!(2026-01-02 05:04:05 +02:00)),
            "2026-01-02T03:04:05.0000000Z"
        );
    }

    #[test]
    fn query_dates_accept_the_usual_forms() {
        let expected = datetime!(2026-05-02 01:44 UTC);
        for text in [
            "2026-05-02T01:44Z",
            "2026-05-02T01:44:00Z",
            "2026-05-02T01:44:00.0000000Z",
            "2026-05-02T01:44",
            "2026-05-01T21:44-04:00",
            "2026-05-02 01:44:00",
        ] {
            assert_eq!(parse_query_date(text), Some(expected), "{text}");
        }
        assert_eq!(
            parse_query_date("2026-05-02"),
            Some(datetime!(2026-05-02 00:00 UTC))
        );
        assert_eq!(parse_query_date("yesterday"), None);
        assert_eq!(parse_query_date(""), None);
        assert_eq!(parse_query_date("2026-13-02"), None);
    }
}
