//! The store in this process's memory, for tests and for trying the tracker out.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use signing_core::progress::Stage;
use signing_core::{Envelope, EnvelopeId};
use time::OffsetDateTime;

use super::{
    Applied, Claim, EnvelopeKey, EnvelopeRecord, EnvelopeState, Plan, Store, StoreError,
    StoreResult, StoreStats,
};
use crate::transition::Transition;

/// A [`Store`] in memory: everything is lost when it is dropped, and only one process can use
/// it. Same semantics as the durable stores, checked by the same conformance tests.
///
/// ```
/// use signing_tracker::store::MemoryStore;
///
/// let store = MemoryStore::new();
/// # let _ = store;
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    envelopes: BTreeMap<EnvelopeKey, Row>,
    deliveries: HashMap<(String, String), OffsetDateTime>,
}

#[derive(Debug, Clone)]
struct Row {
    snapshot: Option<Envelope>,
    transitions: Vec<Transition>,
    handled: u32,
    finished: bool,
    poll_due_at: OffsetDateTime,
    poll_errors: u32,
    last_poll_error: Option<String>,
    tracked_at: OffsetDateTime,
    changed_at: OffsetDateTime,
    lease_owner: Option<String>,
    lease_until: Option<OffsetDateTime>,
    handle_due_at: OffsetDateTime,
}

impl Row {
    fn recorded(&self) -> u32 {
        u32::try_from(self.transitions.len()).unwrap_or(u32::MAX)
    }

    fn holds(&self, owner: &str) -> bool {
        self.lease_owner.as_deref() == Some(owner)
    }

    fn next(&mut self) -> Option<&mut Transition> {
        self.transitions
            .get_mut(usize::try_from(self.handled).ok()?)
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not make the store unusable for the tests that follow.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn overflow() -> StoreError {
    StoreError::new("an envelope has more transitions than a u32 counts")
}

#[async_trait]
impl Store for MemoryStore {
    async fn track(
        &self,
        key: &EnvelopeKey,
        now: OffsetDateTime,
        poll_due_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut state = self.lock();
        if state.envelopes.contains_key(key) {
            return Ok(false);
        }
        state.envelopes.insert(
            key.clone(),
            Row {
                snapshot: None,
                transitions: Vec::new(),
                handled: 0,
                finished: false,
                poll_due_at,
                poll_errors: 0,
                last_poll_error: None,
                tracked_at: now,
                changed_at: now,
                lease_owner: None,
                lease_until: None,
                handle_due_at: now,
            },
        );
        Ok(true)
    }

    async fn apply(
        &self,
        key: &EnvelopeKey,
        delivery: Option<&str>,
        now: OffsetDateTime,
        plan: &Plan<'_>,
    ) -> StoreResult<Applied> {
        let mut state = self.lock();
        if !state.envelopes.contains_key(key) {
            return Ok(Applied::Untracked);
        }
        let delivery_key = delivery.map(|id| (key.provider.clone(), id.to_owned()));
        if let Some(delivery_key) = &delivery_key
            && state.deliveries.contains_key(delivery_key)
        {
            return Ok(Applied::Duplicate);
        }
        let Some(row) = state.envelopes.get_mut(key) else {
            return Ok(Applied::Untracked);
        };
        let current = EnvelopeState {
            snapshot: row.snapshot.clone(),
            milestones: row
                .transitions
                .iter()
                .map(|t| t.milestone.clone())
                .collect(),
        };
        let change = plan(&current);
        let mut appended = Vec::new();
        for milestone in change.milestones {
            if row.finished
                || current.milestones.contains(&milestone)
                || row
                    .transitions
                    .iter()
                    .any(|t| t.milestone.key() == milestone.key())
            {
                continue;
            }
            let seq = row.recorded().checked_add(1).ok_or_else(overflow)?;
            row.finished = milestone.stage() == Stage::Finished;
            row.transitions.push(Transition {
                key: key.clone(),
                seq,
                milestone,
                source: change.source,
                recorded_at: now,
                attempts: 0,
                last_error: None,
                handled_at: None,
            });
            appended.push(seq);
        }
        if !appended.is_empty() {
            row.changed_at = now;
            if row.handled.checked_add(1) == appended.first().copied() {
                // The envelope had nothing pending: its new work is due now.
                row.handle_due_at = now;
            }
        }
        if let Some(snapshot) = change.snapshot {
            row.snapshot = Some(snapshot);
        }
        if let Some(due) = change.poll_due_at {
            row.poll_due_at = due;
        }
        if change.polled {
            row.poll_errors = 0;
            row.last_poll_error = None;
        }
        if let Some(delivery_key) = delivery_key {
            state.deliveries.insert(delivery_key, now);
        }
        Ok(Applied::Recorded { appended })
    }

    async fn claim_polls(
        &self,
        provider: &str,
        now: OffsetDateTime,
        limit: u32,
        lease_until: OffsetDateTime,
    ) -> StoreResult<Vec<EnvelopeId>> {
        let mut state = self.lock();
        let mut due: Vec<(&EnvelopeKey, &mut Row)> = state
            .envelopes
            .iter_mut()
            .filter(|(key, row)| {
                key.provider == provider && !row.finished && row.poll_due_at <= now
            })
            .collect();
        due.sort_by_key(|(_, row)| row.poll_due_at);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(due
            .into_iter()
            .take(limit)
            .map(|(key, row)| {
                row.poll_due_at = lease_until;
                key.id.clone()
            })
            .collect())
    }

    async fn reschedule_poll(
        &self,
        key: &EnvelopeKey,
        poll_due_at: OffsetDateTime,
        error: Option<&str>,
    ) -> StoreResult<()> {
        if let Some(row) = self.lock().envelopes.get_mut(key) {
            row.poll_due_at = poll_due_at;
            if let Some(error) = error {
                row.poll_errors = row.poll_errors.saturating_add(1);
                row.last_poll_error = Some(error.to_owned());
            }
        }
        Ok(())
    }

    async fn claim_transitions(
        &self,
        owner: &str,
        now: OffsetDateTime,
        limit: u32,
        lease_until: OffsetDateTime,
    ) -> StoreResult<Vec<Claim>> {
        let mut state = self.lock();
        let mut ready: Vec<&mut Row> = state
            .envelopes
            .values_mut()
            .filter(|row| {
                row.handled < row.recorded()
                    && row.handle_due_at <= now
                    && row.lease_until.is_none_or(|until| until < now)
            })
            .collect();
        ready.sort_by_key(|row| row.handle_due_at);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut claims = Vec::new();
        for row in ready.into_iter().take(limit) {
            row.lease_owner = Some(owner.to_owned());
            row.lease_until = Some(lease_until);
            if let Some(next) = row.next() {
                next.attempts = next.attempts.saturating_add(1);
                claims.push(Claim {
                    transition: next.clone(),
                });
            }
        }
        Ok(claims)
    }

    async fn renew_lease(
        &self,
        key: &EnvelopeKey,
        owner: &str,
        lease_until: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut state = self.lock();
        match state.envelopes.get_mut(key) {
            Some(row) if row.holds(owner) => {
                row.lease_until = Some(lease_until);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn mark_handled(
        &self,
        key: &EnvelopeKey,
        owner: &str,
        seq: u32,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut state = self.lock();
        let Some(row) = state.envelopes.get_mut(key) else {
            return Ok(false);
        };
        if !row.holds(owner) || row.handled.checked_add(1) != Some(seq) {
            return Ok(false);
        }
        if let Some(next) = row.next() {
            next.handled_at = Some(now);
        }
        row.handled = seq;
        row.lease_owner = None;
        row.lease_until = None;
        row.handle_due_at = now;
        Ok(true)
    }

    async fn mark_failed(
        &self,
        key: &EnvelopeKey,
        owner: &str,
        seq: u32,
        _now: OffsetDateTime,
        error: &str,
        retry_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut state = self.lock();
        let Some(row) = state.envelopes.get_mut(key) else {
            return Ok(false);
        };
        if !row.holds(owner) || row.handled.checked_add(1) != Some(seq) {
            return Ok(false);
        }
        if let Some(next) = row.next() {
            next.last_error = Some(error.to_owned());
        }
        row.lease_owner = None;
        row.lease_until = None;
        row.handle_due_at = retry_at;
        Ok(true)
    }

    async fn envelope(&self, key: &EnvelopeKey) -> StoreResult<Option<EnvelopeRecord>> {
        Ok(self.lock().envelopes.get(key).map(|row| EnvelopeRecord {
            key: key.clone(),
            snapshot: row.snapshot.clone(),
            recorded: row.recorded(),
            handled: row.handled,
            finished: row.finished,
            poll_due_at: row.poll_due_at,
            poll_errors: row.poll_errors,
            last_poll_error: row.last_poll_error.clone(),
            tracked_at: row.tracked_at,
            changed_at: row.changed_at,
        }))
    }

    async fn transitions(&self, key: &EnvelopeKey) -> StoreResult<Vec<Transition>> {
        Ok(self
            .lock()
            .envelopes
            .get(key)
            .map(|row| row.transitions.clone())
            .unwrap_or_default())
    }

    async fn stats(&self, now: OffsetDateTime) -> StoreResult<StoreStats> {
        let state = self.lock();
        let mut stats = StoreStats {
            deliveries: state.deliveries.len() as u64,
            ..StoreStats::default()
        };
        let mut oldest: Option<OffsetDateTime> = None;
        for row in state.envelopes.values() {
            stats.envelopes += 1;
            if !row.finished {
                stats.unfinished += 1;
                if row.poll_errors > 0 {
                    stats.poll_errors += 1;
                }
            }
            for pending in row.transitions.iter().filter(|t| t.handled_at.is_none()) {
                stats.pending_transitions += 1;
                if pending.last_error.is_some() {
                    stats.failing_transitions += 1;
                }
                oldest = Some(oldest.map_or(pending.recorded_at, |o| o.min(pending.recorded_at)));
            }
        }
        stats.oldest_pending_ms = oldest.map_or(0, |at| {
            u64::try_from((now - at).whole_milliseconds()).unwrap_or(0)
        });
        Ok(stats)
    }

    async fn prune_deliveries(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut state = self.lock();
        let len = state.deliveries.len();
        state.deliveries.retain(|_, at| *at >= before);
        Ok((len - state.deliveries.len()) as u64)
    }
}
