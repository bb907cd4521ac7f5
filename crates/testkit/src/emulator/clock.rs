//! Timestamps strictly increasing across everything an emulator stamps, so sorting by a date
//! is deterministic even for objects created in the same instant.

use time::{Duration, OffsetDateTime};

/// Hands out strictly increasing UTC timestamps, at least `step` apart and with no digits below
/// `step` (the precision the provider's format shows).
#[derive(Debug)]
pub(crate) struct Clock {
    last: OffsetDateTime,
    step: Duration,
}

impl Clock {
    /// A clock whose timestamps are at least `step` apart.
    pub(crate) fn new(step: Duration) -> Self {
        Self {
            last: OffsetDateTime::UNIX_EPOCH,
            step,
        }
    }

    /// The current time, or `step` after the previous timestamp if the wall clock has not moved
    /// past it.
    pub(crate) fn now(&mut self) -> OffsetDateTime {
        let wall = OffsetDateTime::now_utc();
        let step = self.step.whole_nanoseconds().max(1);
        let nanos = i128::from(wall.nanosecond());
        let truncated = wall
            .replace_nanosecond(u32::try_from(nanos - nanos % step).unwrap_or(0))
            .unwrap_or(wall);
        let now = truncated.max(self.last + self.step);
        self.last = now;
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_increase_in_whole_steps() {
        let mut clock = Clock::new(Duration::nanoseconds(100));
        let first = clock.now();
        let second = clock.now();
        assert!(second > first);
        assert_eq!(second.nanosecond() % 100, 0);
        let mut micro = Clock::new(Duration::microseconds(1));
        let a = micro.now();
        assert!(micro.now() >= a + Duration::microseconds(1));
    }
}
