//! What the SQLite and PostgreSQL stores share: the queries, written once, and the code that
//! runs them, generated for each driver by [`sql_store!`].
//!
//! The two stores differ only in the dialect ([`Dialect`]): how parameters are numbered and
//! whether rows can be locked. PostgreSQL locks the envelope row for the length of an
//! [`apply`](super::Store::apply) and claims with `FOR UPDATE SKIP LOCKED`, so instances never
//! wait on each other's claims and never claim the same row; SQLite has one writer at a time
//! (the store uses one connection), which gives the same atomicity without row locks.

use std::borrow::Cow;

use signing_core::progress::Milestone;
use signing_core::{Envelope, EnvelopeId};

use super::{EnvelopeKey, EnvelopeRecord, StoreError, from_millis};
use crate::transition::{Source, Transition};

/// How a database spells what differs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dialect {
    /// The parameter prefix: `$` (PostgreSQL, `$1`) or `?` (SQLite, `?1`).
    pub(super) parameter: char,
    /// Appended to a select whose rows an update follows in the same transaction.
    pub(super) lock_row: &'static str,
    /// Appended to a claim's select.
    pub(super) skip_locked: &'static str,
}

impl Dialect {
    /// `sql`, written with `$n` parameters, in this dialect.
    pub(super) fn sql(self, sql: &'static str) -> Cow<'static, str> {
        let sql = if self.parameter == '$' {
            Cow::Borrowed(sql)
        } else {
            Cow::Owned(sql.replace('$', &self.parameter.to_string()))
        };
        if sql.contains("{lock_row}") || sql.contains("{skip_locked}") {
            Cow::Owned(
                sql.replace("{lock_row}", self.lock_row)
                    .replace("{skip_locked}", self.skip_locked),
            )
        } else {
            sql
        }
    }
}

pub(super) const TRACK: &str = "INSERT INTO signing_tracker_envelopes \
     (provider, envelope_id, poll_due_at, tracked_at, changed_at, handle_due_at) \
     VALUES ($1, $2, $3, $4, $4, $4) ON CONFLICT DO NOTHING";

/// Locks the envelope's row and says, in the same round trip, whether delivery `$3` (if any)
/// was recorded.
pub(super) const LOCK_ENVELOPE: &str = "SELECT snapshot, recorded_seq, handled_seq, finished, \
     (SELECT COUNT(*) FROM signing_tracker_deliveries \
       WHERE provider = $1 AND delivery_id = $3) AS seen \
     FROM signing_tracker_envelopes WHERE provider = $1 AND envelope_id = $2{lock_row}";

pub(super) const MILESTONES: &str = "SELECT kind, signer, status FROM signing_tracker_transitions \
     WHERE provider = $1 AND envelope_id = $2 ORDER BY seq";

pub(super) const INSERT_TRANSITION: &str = "INSERT INTO signing_tracker_transitions \
     (provider, envelope_id, seq, milestone, kind, signer, status, source, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// `$3` recorded_seq, `$4` finished, `$5` whether transitions were appended, `$6` now, `$7` the
/// recorded_seq before, `$8` snapshot, `$9` poll_due_at, `$10` whether the change is a read.
pub(super) const UPDATE_ENVELOPE: &str = "UPDATE signing_tracker_envelopes SET \
     recorded_seq = $3, finished = $4, \
     changed_at = CASE WHEN $5 THEN $6 ELSE changed_at END, \
     handle_due_at = CASE WHEN $5 AND handled_seq = $7 THEN $6 ELSE handle_due_at END, \
     snapshot = COALESCE($8, snapshot), \
     poll_due_at = COALESCE($9, poll_due_at), \
     poll_errors = CASE WHEN $10 THEN 0 ELSE poll_errors END, \
     last_poll_error = CASE WHEN $10 THEN NULL ELSE last_poll_error END \
     WHERE provider = $1 AND envelope_id = $2";

pub(super) const INSERT_DELIVERY: &str = "INSERT INTO signing_tracker_deliveries \
     (provider, delivery_id, envelope_id, received_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT DO NOTHING";

pub(super) const CLAIM_POLLS: &str = "UPDATE signing_tracker_envelopes SET poll_due_at = $4 \
     WHERE (provider, envelope_id) IN ( \
        SELECT provider, envelope_id FROM signing_tracker_envelopes \
        WHERE provider = $1 AND NOT finished AND poll_due_at <= $2 \
        ORDER BY poll_due_at LIMIT $3{skip_locked}) \
     RETURNING envelope_id";

pub(super) const RESCHEDULE_POLL: &str = "UPDATE signing_tracker_envelopes SET poll_due_at = $3, \
     poll_errors = CASE WHEN $4 IS NULL THEN poll_errors ELSE poll_errors + 1 END, \
     last_poll_error = COALESCE($4, last_poll_error) \
     WHERE provider = $1 AND envelope_id = $2";

pub(super) const CLAIM_TRANSITIONS: &str = "UPDATE signing_tracker_envelopes \
     SET lease_owner = $1, lease_until = $4 \
     WHERE (provider, envelope_id) IN ( \
        SELECT provider, envelope_id FROM signing_tracker_envelopes \
        WHERE handled_seq < recorded_seq AND handle_due_at <= $2 \
          AND (lease_until IS NULL OR lease_until < $2) \
        ORDER BY handle_due_at LIMIT $3{skip_locked}) \
     RETURNING provider, envelope_id, handled_seq";

pub(super) const START_ATTEMPT: &str = "UPDATE signing_tracker_transitions \
     SET attempts = attempts + 1 \
     WHERE provider = $1 AND envelope_id = $2 AND seq = $3 \
     RETURNING seq, kind, signer, status, source, recorded_at, attempts, last_error, handled_at";

pub(super) const RENEW_LEASE: &str = "UPDATE signing_tracker_envelopes SET lease_until = $4 \
     WHERE provider = $1 AND envelope_id = $2 AND lease_owner = $3";

pub(super) const RELEASE_HANDLED: &str = "UPDATE signing_tracker_envelopes \
     SET handled_seq = $4, lease_owner = NULL, lease_until = NULL, handle_due_at = $5 \
     WHERE provider = $1 AND envelope_id = $2 AND lease_owner = $3 AND handled_seq + 1 = $4";

pub(super) const SET_HANDLED: &str = "UPDATE signing_tracker_transitions SET handled_at = $4 \
     WHERE provider = $1 AND envelope_id = $2 AND seq = $3";

pub(super) const RELEASE_FAILED: &str = "UPDATE signing_tracker_envelopes \
     SET lease_owner = NULL, lease_until = NULL, handle_due_at = $5 \
     WHERE provider = $1 AND envelope_id = $2 AND lease_owner = $3 AND handled_seq + 1 = $4";

pub(super) const SET_FAILED: &str = "UPDATE signing_tracker_transitions SET last_error = $4 \
     WHERE provider = $1 AND envelope_id = $2 AND seq = $3";

pub(super) const ENVELOPE: &str = "SELECT snapshot, recorded_seq, handled_seq, finished, \
     poll_due_at, poll_errors, last_poll_error, tracked_at, changed_at \
     FROM signing_tracker_envelopes WHERE provider = $1 AND envelope_id = $2";

pub(super) const TRANSITIONS: &str = "SELECT seq, kind, signer, status, source, recorded_at, \
     attempts, last_error, handled_at FROM signing_tracker_transitions \
     WHERE provider = $1 AND envelope_id = $2 ORDER BY seq";

pub(super) const STATS_ENVELOPES: &str = "SELECT COUNT(*) AS total, \
     COALESCE(SUM(CASE WHEN finished THEN 0 ELSE 1 END), 0) AS unfinished, \
     COALESCE(SUM(CASE WHEN NOT finished AND poll_errors > 0 THEN 1 ELSE 0 END), 0) AS failing \
     FROM signing_tracker_envelopes";

pub(super) const STATS_TRANSITIONS: &str = "SELECT COUNT(*) AS pending, \
     COALESCE(SUM(CASE WHEN last_error IS NULL THEN 0 ELSE 1 END), 0) AS failing, \
     MIN(recorded_at) AS oldest \
     FROM signing_tracker_transitions WHERE handled_at IS NULL";

pub(super) const STATS_DELIVERIES: &str =
    "SELECT COUNT(*) AS total FROM signing_tracker_deliveries";

pub(super) const PRUNE_DELIVERIES: &str =
    "DELETE FROM signing_tracker_deliveries WHERE received_at < $1";

pub(super) const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS signing_tracker_migrations (\
     version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

pub(super) const APPLIED_MIGRATIONS: &str = "SELECT version FROM signing_tracker_migrations";

pub(super) const RECORD_MIGRATION: &str =
    "INSERT INTO signing_tracker_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

/// One schema migration shipped with the crate.
#[derive(Debug, Clone, Copy)]
pub(super) struct Migration {
    pub(super) version: i64,
    pub(super) name: &'static str,
    pub(super) sql: &'static str,
}

/// A stored counter as a `u32`; a negative or oversized value means the store was written by
/// something else, which is an error rather than a wrap-around.
pub(super) fn count(value: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value)
        .map_err(|_| StoreError::new(format!("stored {what} {value} is out of range")))
}

/// A stored count as a `u64`, with the same rule.
pub(super) fn total(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value)
        .map_err(|_| StoreError::new(format!("stored {what} {value} is out of range")))
}

/// A stored snapshot, read back; an unreadable one is dropped rather than failing the
/// envelope, since the next read replaces it.
pub(super) fn snapshot(text: Option<String>) -> Option<Envelope> {
    text.and_then(|text| serde_json::from_str(&text).ok())
}

/// The snapshot as stored.
pub(super) fn snapshot_text(envelope: Option<&Envelope>) -> Result<Option<String>, StoreError> {
    envelope
        .map(|envelope| {
            serde_json::to_string(envelope)
                .map_err(|e| StoreError::with_source("cannot store the envelope snapshot", e))
        })
        .transpose()
}

/// A stored milestone; `None` for one this version cannot read (written by a newer one), which
/// still occupies its place in the sequence.
pub(super) fn milestone(kind: &str, signer: Option<&str>, status: &str) -> Option<Milestone> {
    Milestone::from_parts(kind, signer, Some(status))
}

/// The columns of a transition row, in `TRANSITIONS`/`START_ATTEMPT` order.
pub(super) struct TransitionRow {
    pub(super) seq: i64,
    pub(super) kind: String,
    pub(super) signer: Option<String>,
    pub(super) status: String,
    pub(super) source: String,
    pub(super) recorded_at: i64,
    pub(super) attempts: i64,
    pub(super) last_error: Option<String>,
    pub(super) handled_at: Option<i64>,
}

impl TransitionRow {
    pub(super) fn into_transition(self, key: &EnvelopeKey) -> Result<Transition, StoreError> {
        let milestone =
            milestone(&self.kind, self.signer.as_deref(), &self.status).ok_or_else(|| {
                StoreError::new(format!(
                    "transition {} of {key} has a milestone this version cannot read: {}",
                    self.seq, self.kind
                ))
            })?;
        Ok(Transition {
            key: key.clone(),
            seq: count(self.seq, "sequence number")?,
            milestone,
            source: Source::parse(&self.source),
            recorded_at: from_millis(self.recorded_at),
            attempts: count(self.attempts, "attempt count")?,
            last_error: self.last_error,
            handled_at: self.handled_at.map(from_millis),
        })
    }
}

/// The columns of an envelope row, in `ENVELOPE` order.
pub(super) struct EnvelopeRow {
    pub(super) snapshot: Option<String>,
    pub(super) recorded_seq: i64,
    pub(super) handled_seq: i64,
    pub(super) finished: bool,
    pub(super) poll_due_at: i64,
    pub(super) poll_errors: i64,
    pub(super) last_poll_error: Option<String>,
    pub(super) tracked_at: i64,
    pub(super) changed_at: i64,
}

impl EnvelopeRow {
    pub(super) fn into_record(self, key: &EnvelopeKey) -> Result<EnvelopeRecord, StoreError> {
        Ok(EnvelopeRecord {
            key: key.clone(),
            snapshot: snapshot(self.snapshot),
            recorded: count(self.recorded_seq, "sequence number")?,
            handled: count(self.handled_seq, "sequence number")?,
            finished: self.finished,
            poll_due_at: from_millis(self.poll_due_at),
            poll_errors: count(self.poll_errors, "error count")?,
            last_poll_error: self.last_poll_error,
            tracked_at: from_millis(self.tracked_at),
            changed_at: from_millis(self.changed_at),
        })
    }
}

/// An envelope id as read back.
pub(super) fn envelope_id(id: String) -> EnvelopeId {
    EnvelopeId::from(id)
}

/// Wraps a driver error with what was being done, keeping it as the source.
pub(super) fn failed(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| StoreError::with_source(format!("store: {what} failed: {err}"), err)
}

/// Implements [`Store`](super::Store) for a struct holding `pool: sqlx::Pool<$db>`,
/// `control: sqlx::Pool<$db>` and `dialect: Dialect`.
///
/// The handler's bookkeeping (claims, lease renewals, marks) goes through `control`, so that a
/// flood of webhooks holding every connection of `pool` never delays a renewal or a mark past
/// its lease.
macro_rules! sql_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn track(
                &self,
                key: &$crate::store::EnvelopeKey,
                now: time::OffsetDateTime,
                poll_due_at: time::OffsetDateTime,
            ) -> $crate::store::StoreResult<bool> {
                use $crate::store::sql::*;
                let done = sqlx::query(&self.dialect.sql(TRACK))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .bind($crate::store::to_millis(poll_due_at))
                    .bind($crate::store::to_millis(now))
                    .execute(&self.pool)
                    .await
                    .map_err(failed("track"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn apply(
                &self,
                key: &$crate::store::EnvelopeKey,
                delivery: Option<&str>,
                now: time::OffsetDateTime,
                plan: &$crate::store::Plan<'_>,
            ) -> $crate::store::StoreResult<$crate::store::Applied> {
                use sqlx::Row as _;
                use $crate::store::sql::*;
                use $crate::store::{Applied, EnvelopeState, to_millis};
                let d = self.dialect;
                let mut tx = self.pool.begin().await.map_err(failed("begin"))?;
                // The envelope's row is locked first, so two instances applying changes to one
                // envelope take turns and the second sees what the first recorded.
                let Some(row) = sqlx::query(&d.sql(LOCK_ENVELOPE))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .bind(delivery)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(failed("lock envelope"))?
                else {
                    return Ok(Applied::Untracked);
                };
                let stored_snapshot: Option<String> =
                    row.try_get("snapshot").map_err(failed("read envelope"))?;
                let recorded_before: i64 = row
                    .try_get("recorded_seq")
                    .map_err(failed("read envelope"))?;
                let mut finished: bool =
                    row.try_get("finished").map_err(failed("read envelope"))?;
                let seen: i64 = row.try_get("seen").map_err(failed("read envelope"))?;
                if seen > 0 {
                    return Ok(Applied::Duplicate);
                }
                let milestones = recorded_milestones(&mut tx, d, key).await?;
                let mut keys: std::collections::HashSet<String> = milestones
                    .iter()
                    .map(signing_core::progress::Milestone::key)
                    .collect();
                let state = EnvelopeState {
                    snapshot: snapshot(stored_snapshot),
                    milestones,
                };
                let change = plan(&state);
                let mut recorded = recorded_before;
                let mut appended = Vec::new();
                for m in change.milestones {
                    if finished || !keys.insert(m.key()) {
                        continue;
                    }
                    recorded = recorded
                        .checked_add(1)
                        .ok_or_else(|| $crate::store::StoreError::new("sequence overflow"))?;
                    finished = m.stage() == signing_core::progress::Stage::Finished;
                    let status = m.status();
                    sqlx::query(&d.sql(INSERT_TRANSITION))
                        .bind(&key.provider)
                        .bind(key.id.as_str())
                        .bind(recorded)
                        .bind(m.key())
                        .bind(m.kind_name())
                        .bind(m.signer().map(|s| s.as_str().to_owned()))
                        .bind(status.as_str())
                        .bind(change.source.as_str())
                        .bind(to_millis(now))
                        .execute(&mut *tx)
                        .await
                        .map_err(failed("record transition"))?;
                    appended.push(count(recorded, "sequence number")?);
                }
                sqlx::query(&d.sql(UPDATE_ENVELOPE))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .bind(recorded)
                    .bind(finished)
                    .bind(!appended.is_empty())
                    .bind(to_millis(now))
                    .bind(recorded_before)
                    .bind(snapshot_text(change.snapshot.as_ref())?)
                    .bind(change.poll_due_at.map(to_millis))
                    .bind(change.polled)
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("update envelope"))?;
                if let Some(delivery) = delivery {
                    sqlx::query(&d.sql(INSERT_DELIVERY))
                        .bind(&key.provider)
                        .bind(delivery)
                        .bind(key.id.as_str())
                        .bind(to_millis(now))
                        .execute(&mut *tx)
                        .await
                        .map_err(failed("record delivery"))?;
                }
                tx.commit().await.map_err(failed("commit"))?;
                Ok(Applied::Recorded { appended })
            }

            async fn claim_polls(
                &self,
                provider: &str,
                now: time::OffsetDateTime,
                limit: u32,
                lease_until: time::OffsetDateTime,
            ) -> $crate::store::StoreResult<Vec<signing_core::EnvelopeId>> {
                use sqlx::Row as _;
                use $crate::store::sql::*;
                use $crate::store::to_millis;
                let rows = sqlx::query(&self.dialect.sql(CLAIM_POLLS))
                    .bind(provider)
                    .bind(to_millis(now))
                    .bind(i64::from(limit))
                    .bind(to_millis(lease_until))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(failed("claim reads"))?;
                rows.into_iter()
                    .map(|row| {
                        row.try_get::<String, _>("envelope_id")
                            .map(envelope_id)
                            .map_err(failed("claim reads"))
                    })
                    .collect()
            }

            async fn reschedule_poll(
                &self,
                key: &$crate::store::EnvelopeKey,
                poll_due_at: time::OffsetDateTime,
                error: Option<&str>,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::sql::*;
                sqlx::query(&self.dialect.sql(RESCHEDULE_POLL))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .bind($crate::store::to_millis(poll_due_at))
                    .bind(error)
                    .execute(&self.pool)
                    .await
                    .map_err(failed("reschedule read"))?;
                Ok(())
            }

            async fn claim_transitions(
                &self,
                owner: &str,
                now: time::OffsetDateTime,
                limit: u32,
                lease_until: time::OffsetDateTime,
            ) -> $crate::store::StoreResult<Vec<$crate::store::Claim>> {
                use sqlx::Row as _;
                use $crate::store::sql::*;
                use $crate::store::{Claim, EnvelopeKey, to_millis};
                let d = self.dialect;
                let mut tx = self.control.begin().await.map_err(failed("begin"))?;
                let leased = sqlx::query(&d.sql(CLAIM_TRANSITIONS))
                    .bind(owner)
                    .bind(to_millis(now))
                    .bind(i64::from(limit))
                    .bind(to_millis(lease_until))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(failed("claim transitions"))?;
                let mut claims = Vec::with_capacity(leased.len());
                for row in leased {
                    let provider: String = row
                        .try_get("provider")
                        .map_err(failed("claim transitions"))?;
                    let id: String = row
                        .try_get("envelope_id")
                        .map_err(failed("claim transitions"))?;
                    let handled: i64 = row
                        .try_get("handled_seq")
                        .map_err(failed("claim transitions"))?;
                    let key = EnvelopeKey::new(provider, envelope_id(id));
                    let next = handled
                        .checked_add(1)
                        .ok_or_else(|| $crate::store::StoreError::new("sequence overflow"))?;
                    let row = sqlx::query(&d.sql(START_ATTEMPT))
                        .bind(&key.provider)
                        .bind(key.id.as_str())
                        .bind(next)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(failed("start attempt"))?;
                    claims.push(Claim {
                        transition: transition_row(&row)?.into_transition(&key)?,
                    });
                }
                tx.commit().await.map_err(failed("commit"))?;
                Ok(claims)
            }

            async fn renew_lease(
                &self,
                key: &$crate::store::EnvelopeKey,
                owner: &str,
                lease_until: time::OffsetDateTime,
            ) -> $crate::store::StoreResult<bool> {
                use $crate::store::sql::*;
                let done = sqlx::query(&self.dialect.sql(RENEW_LEASE))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .bind(owner)
                    .bind($crate::store::to_millis(lease_until))
                    .execute(&self.control)
                    .await
                    .map_err(failed("renew lease"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn mark_handled(
                &self,
                key: &$crate::store::EnvelopeKey,
                owner: &str,
                seq: u32,
                now: time::OffsetDateTime,
            ) -> $crate::store::StoreResult<bool> {
                use $crate::store::sql::*;
                use $crate::store::to_millis;
                let d = self.dialect;
                let mut tx = self.control.begin().await.map_err(failed("begin"))?;
                let released = sqlx::query(&d.sql(RELEASE_HANDLED))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .bind(owner)
                    .bind(i64::from(seq))
                    .bind(to_millis(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("mark handled"))?;
                if released.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query(&d.sql(SET_HANDLED))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .bind(i64::from(seq))
                    .bind(to_millis(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("mark handled"))?;
                tx.commit().await.map_err(failed("commit"))?;
                Ok(true)
            }

            async fn mark_failed(
                &self,
                key: &$crate::store::EnvelopeKey,
                owner: &str,
                seq: u32,
                _now: time::OffsetDateTime,
                error: &str,
                retry_at: time::OffsetDateTime,
            ) -> $crate::store::StoreResult<bool> {
                use $crate::store::sql::*;
                use $crate::store::to_millis;
                let d = self.dialect;
                let mut tx = self.control.begin().await.map_err(failed("begin"))?;
                let released = sqlx::query(&d.sql(RELEASE_FAILED))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .bind(owner)
                    .bind(i64::from(seq))
                    .bind(to_millis(retry_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("mark failed"))?;
                if released.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query(&d.sql(SET_FAILED))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .bind(i64::from(seq))
                    .bind(error)
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("mark failed"))?;
                tx.commit().await.map_err(failed("commit"))?;
                Ok(true)
            }

            async fn envelope(
                &self,
                key: &$crate::store::EnvelopeKey,
            ) -> $crate::store::StoreResult<Option<$crate::store::EnvelopeRecord>> {
                use sqlx::Row as _;
                use $crate::store::sql::*;
                let row = sqlx::query(&self.dialect.sql(ENVELOPE))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(failed("read envelope"))?;
                let Some(row) = row else { return Ok(None) };
                let get = failed("read envelope");
                let row = (|| {
                    Ok::<_, sqlx::Error>(EnvelopeRow {
                        snapshot: row.try_get("snapshot")?,
                        recorded_seq: row.try_get("recorded_seq")?,
                        handled_seq: row.try_get("handled_seq")?,
                        finished: row.try_get("finished")?,
                        poll_due_at: row.try_get("poll_due_at")?,
                        poll_errors: row.try_get("poll_errors")?,
                        last_poll_error: row.try_get("last_poll_error")?,
                        tracked_at: row.try_get("tracked_at")?,
                        changed_at: row.try_get("changed_at")?,
                    })
                })()
                .map_err(get)?;
                row.into_record(key).map(Some)
            }

            async fn transitions(
                &self,
                key: &$crate::store::EnvelopeKey,
            ) -> $crate::store::StoreResult<Vec<$crate::transition::Transition>> {
                use $crate::store::sql::*;
                let rows = sqlx::query(&self.dialect.sql(TRANSITIONS))
                    .bind(&key.provider)
                    .bind(key.id.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(failed("read transitions"))?;
                rows.iter()
                    .map(|row| transition_row(row)?.into_transition(key))
                    .collect()
            }

            async fn stats(
                &self,
                now: time::OffsetDateTime,
            ) -> $crate::store::StoreResult<$crate::store::StoreStats> {
                use sqlx::Row as _;
                use $crate::store::sql::*;
                let d = self.dialect;
                let envelopes = sqlx::query(&d.sql(STATS_ENVELOPES))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(failed("stats"))?;
                let transitions = sqlx::query(&d.sql(STATS_TRANSITIONS))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(failed("stats"))?;
                let deliveries = sqlx::query(&d.sql(STATS_DELIVERIES))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(failed("stats"))?;
                let get = |row: &<$db as sqlx::Database>::Row, column: &str| {
                    row.try_get::<i64, _>(column).map_err(failed("stats"))
                };
                let oldest: Option<i64> = transitions.try_get("oldest").map_err(failed("stats"))?;
                let now_ms = $crate::store::to_millis(now);
                Ok($crate::store::StoreStats {
                    envelopes: total(get(&envelopes, "total")?, "count")?,
                    unfinished: total(get(&envelopes, "unfinished")?, "count")?,
                    poll_errors: total(get(&envelopes, "failing")?, "count")?,
                    pending_transitions: total(get(&transitions, "pending")?, "count")?,
                    failing_transitions: total(get(&transitions, "failing")?, "count")?,
                    oldest_pending_ms: oldest.map_or(0, |at| {
                        u64::try_from(now_ms.saturating_sub(at)).unwrap_or(0)
                    }),
                    deliveries: total(get(&deliveries, "total")?, "count")?,
                })
            }

            async fn prune_deliveries(
                &self,
                before: time::OffsetDateTime,
            ) -> $crate::store::StoreResult<u64> {
                use $crate::store::sql::*;
                let done = sqlx::query(&self.dialect.sql(PRUNE_DELIVERIES))
                    .bind($crate::store::to_millis(before))
                    .execute(&self.pool)
                    .await
                    .map_err(failed("prune deliveries"))?;
                Ok(done.rows_affected())
            }
        }

        /// The milestones recorded for `key`, in order; ones this version cannot read are
        /// skipped (their sequence numbers stay taken).
        async fn recorded_milestones(
            conn: &mut <$db as sqlx::Database>::Connection,
            d: $crate::store::sql::Dialect,
            key: &$crate::store::EnvelopeKey,
        ) -> Result<Vec<signing_core::progress::Milestone>, $crate::store::StoreError> {
            use sqlx::Row as _;
            use $crate::store::sql::{MILESTONES, failed, milestone};
            let rows = sqlx::query(&d.sql(MILESTONES))
                .bind(&key.provider)
                .bind(key.id.as_str())
                .fetch_all(&mut *conn)
                .await
                .map_err(failed("read transitions"))?;
            let mut milestones = Vec::with_capacity(rows.len());
            for row in rows {
                let kind: String = row.try_get("kind").map_err(failed("read transitions"))?;
                let signer: Option<String> =
                    row.try_get("signer").map_err(failed("read transitions"))?;
                let status: String = row.try_get("status").map_err(failed("read transitions"))?;
                milestones.extend(milestone(&kind, signer.as_deref(), &status));
            }
            Ok(milestones)
        }

        /// The transition columns of `row`.
        fn transition_row(
            row: &<$db as sqlx::Database>::Row,
        ) -> Result<$crate::store::sql::TransitionRow, $crate::store::StoreError> {
            use sqlx::Row as _;
            let read = || {
                Ok::<_, sqlx::Error>($crate::store::sql::TransitionRow {
                    seq: row.try_get("seq")?,
                    kind: row.try_get("kind")?,
                    signer: row.try_get("signer")?,
                    status: row.try_get("status")?,
                    source: row.try_get("source")?,
                    recorded_at: row.try_get("recorded_at")?,
                    attempts: row.try_get("attempts")?,
                    last_error: row.try_get("last_error")?,
                    handled_at: row.try_get("handled_at")?,
                })
            };
            read().map_err($crate::store::sql::failed("read transition"))
        }
    };
}

pub(super) use sql_store;
