//! Where the tracker keeps envelopes, their transitions and the deliveries already processed.
//!
//! A [`Store`] is the tracker's only shared state: several tracker instances on one store
//! cooperate through it. Three implementations ship with the crate: [`MemoryStore`] (tests),
//! `SqliteStore` (feature `sqlite`, one file, the embedded default for a single instance) and
//! `PostgresStore` (feature `postgres`, many instances, with leases taken with
//! `FOR UPDATE SKIP LOCKED`). `docs/tracking.md` gives their schema.

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::error::Error as StdError;
use std::fmt;

use async_trait::async_trait;
use signing_core::progress::Milestone;
use signing_core::{Envelope, EnvelopeId};
use time::OffsetDateTime;

use crate::transition::{Source, Transition};

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// Which envelope: the provider's name and the provider's id of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnvelopeKey {
    /// The provider's name (`heysign`, `leap-sign`, ...).
    pub provider: String,
    /// The provider's id of the envelope.
    pub id: EnvelopeId,
}

impl EnvelopeKey {
    /// The key of envelope `id` at `provider`.
    pub fn new(provider: impl Into<String>, id: EnvelopeId) -> Self {
        Self {
            provider: provider.into(),
            id,
        }
    }
}

impl fmt::Display for EnvelopeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider, self.id)
    }
}

/// What the store holds about an envelope, as shown to a [`Plan`] under the envelope's lock.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct EnvelopeState {
    /// The envelope as last read from the provider (or given to `track`).
    pub snapshot: Option<Envelope>,
    /// The milestones recorded so far, in order (transition 1 first).
    pub milestones: Vec<Milestone>,
}

/// What to record about an envelope, decided by a [`Plan`] from its current state.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Change {
    /// Milestones to append as new transitions, in order.
    pub milestones: Vec<Milestone>,
    /// Where the new transitions were learned.
    pub source: Source,
    /// A new snapshot of the envelope, replacing the stored one.
    pub snapshot: Option<Envelope>,
    /// When the reconciler should next read the envelope.
    pub poll_due_at: Option<OffsetDateTime>,
    /// Whether this change comes from a successful read: the consecutive read errors are reset.
    pub polled: bool,
}

impl Change {
    /// A change appending `milestones` learned from `source`, and nothing else.
    pub fn new(milestones: Vec<Milestone>, source: Source) -> Self {
        Self {
            milestones,
            source,
            snapshot: None,
            poll_due_at: None,
            polled: false,
        }
    }
}

/// Decides a [`Change`] from an envelope's state. A store calls it while it holds the envelope
/// locked, so the decision and its recording are one atomic step; it may be called again if the
/// store retries a transaction.
pub type Plan<'a> = dyn Fn(&EnvelopeState) -> Change + Send + Sync + 'a;

/// The outcome of [`Store::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// The envelope is not tracked: nothing was recorded.
    Untracked,
    /// The delivery was recorded before, together with its effect: nothing was recorded again.
    Duplicate,
    /// The change was recorded; these transitions (sequence numbers) were appended.
    Recorded {
        /// The sequence numbers of the new transitions, in order.
        appended: Vec<u32>,
    },
}

/// One transition claimed for handling: the envelope's lease is held by the claimant.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Claim {
    /// The transition to hand to the handler: the first one of its envelope not yet handled.
    pub transition: Transition,
}

/// What the store holds about one tracked envelope.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EnvelopeRecord {
    /// Which envelope.
    pub key: EnvelopeKey,
    /// The envelope as last read or tracked.
    pub snapshot: Option<Envelope>,
    /// How many transitions are recorded.
    pub recorded: u32,
    /// How many of them were handled (they are handled in order: 1 to `handled`).
    pub handled: u32,
    /// Whether the final transition is recorded: the reconciler no longer reads it.
    pub finished: bool,
    /// When the reconciler reads it next.
    pub poll_due_at: OffsetDateTime,
    /// Consecutive failed reads.
    pub poll_errors: u32,
    /// The last failed read's error, until a read succeeds.
    pub last_poll_error: Option<String>,
    /// When it was first tracked.
    pub tracked_at: OffsetDateTime,
    /// When a transition was last recorded for it.
    pub changed_at: OffsetDateTime,
}

/// Figures to monitor, over every envelope in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreStats {
    /// Envelopes tracked.
    pub envelopes: u64,
    /// Envelopes whose final transition is not recorded yet.
    pub unfinished: u64,
    /// Transitions recorded but not handled yet.
    pub pending_transitions: u64,
    /// Pending transitions whose handler failed at least once.
    pub failing_transitions: u64,
    /// The age of the oldest pending transition, in milliseconds; 0 when none is pending.
    pub oldest_pending_ms: u64,
    /// Unfinished envelopes whose last read failed.
    pub poll_errors: u64,
    /// Deliveries remembered for deduplication.
    pub deliveries: u64,
}

/// A failed store operation. Never holds a connection string or a password.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl StoreError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error with this message, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

/// The result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Durable state shared by every tracker instance using it.
///
/// Every method is one atomic step. Times are passed in, so a store never reads a clock of its
/// own and every instance agrees on what "due" means as well as their clocks agree.
///
/// The semantics each implementation must have are checked by the store conformance tests
/// (`crates/tracker/tests/store_conformance.rs`), which run against every store.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug + 'static {
    /// Starts tracking `key` if it is not tracked yet, with its first read due at `poll_due_at`.
    /// Returns whether it was new.
    async fn track(
        &self,
        key: &EnvelopeKey,
        now: OffsetDateTime,
        poll_due_at: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Locks the envelope, shows its state to `plan`, and records the change it decides, all
    /// at once.
    ///
    /// With a `delivery` id: if that delivery was recorded before, nothing is recorded and the
    /// result is [`Applied::Duplicate`]; otherwise the delivery is remembered in the same step
    /// as its change, so it counts as processed only once its effect is stored (a crash in
    /// between leaves it unprocessed, to be accepted again). Milestones the envelope already
    /// has are skipped, and nothing is appended after a final milestone.
    async fn apply(
        &self,
        key: &EnvelopeKey,
        delivery: Option<&str>,
        now: OffsetDateTime,
        plan: &Plan<'_>,
    ) -> StoreResult<Applied>;

    /// Claims up to `limit` unfinished envelopes of `provider` whose read is due at `now`, by
    /// moving their due time to `lease_until`: an instance that dies after claiming leaves them
    /// due again then. Concurrent claims never return the same envelope.
    async fn claim_polls(
        &self,
        provider: &str,
        now: OffsetDateTime,
        limit: u32,
        lease_until: OffsetDateTime,
    ) -> StoreResult<Vec<EnvelopeId>>;

    /// Moves an envelope's next read to `poll_due_at`; with an `error`, counts a failed read.
    async fn reschedule_poll(
        &self,
        key: &EnvelopeKey,
        poll_due_at: OffsetDateTime,
        error: Option<&str>,
    ) -> StoreResult<()>;

    /// Claims up to `limit` envelopes whose next transition awaits its handler, is due at `now`
    /// and is not leased: each envelope's lease goes to `owner` until `lease_until`, and its
    /// first unhandled transition is returned. Concurrent claims never return the same envelope.
    async fn claim_transitions(
        &self,
        owner: &str,
        now: OffsetDateTime,
        limit: u32,
        lease_until: OffsetDateTime,
    ) -> StoreResult<Vec<Claim>>;

    /// Extends `owner`'s lease on an envelope; `false` if `owner` no longer holds it.
    async fn renew_lease(
        &self,
        key: &EnvelopeKey,
        owner: &str,
        lease_until: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Marks transition `seq` handled and releases the lease, if `owner` still holds it and
    /// `seq` is the envelope's next unhandled transition; `false` otherwise (nothing changes).
    async fn mark_handled(
        &self,
        key: &EnvelopeKey,
        owner: &str,
        seq: u32,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Counts a failed attempt at transition `seq` with its error, releases the lease and makes
    /// the transition due again at `retry_at`, if `owner` still holds the lease; `false`
    /// otherwise.
    async fn mark_failed(
        &self,
        key: &EnvelopeKey,
        owner: &str,
        seq: u32,
        now: OffsetDateTime,
        error: &str,
        retry_at: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// The envelope, if tracked.
    async fn envelope(&self, key: &EnvelopeKey) -> StoreResult<Option<EnvelopeRecord>>;

    /// The envelope's transitions, in order.
    async fn transitions(&self, key: &EnvelopeKey) -> StoreResult<Vec<Transition>>;

    /// Figures over the whole store, the age of pending work measured at `now`.
    async fn stats(&self, now: OffsetDateTime) -> StoreResult<StoreStats>;

    /// Forgets deliveries received before `before` (a redelivery older than that is no longer
    /// recognised, but it records nothing new either: transitions are deduplicated by their
    /// milestones). Returns how many were forgotten.
    async fn prune_deliveries(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// Milliseconds since the Unix epoch, the stores' representation of time.
pub(crate) fn to_millis(at: OffsetDateTime) -> i64 {
    let millis = at.unix_timestamp_nanos() / 1_000_000;
    i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
}

/// The time `millis` milliseconds after the Unix epoch; out-of-range values are clamped, since a
/// corrupt stored value must not panic.
pub(crate) fn from_millis(millis: i64) -> OffsetDateTime {
    let nanos = i128::from(millis).saturating_mul(1_000_000);
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(if millis < 0 {
        OffsetDateTime::UNIX_EPOCH
    } else {
        // The largest time `time` represents without the `large-dates` feature.
        time::macros::datetime!(9999-12-31 23:59:59.999 UTC)
    })
}
