//! Webhook ingest throughput on PostgreSQL: `Tracker::ingest` against a hand-written floor.
//!
//! Both verify the same HeySign deliveries with the same provider (`parse_webhook`, local
//! Standard Webhooks verification) and write the same rows with the same driver (sqlx) into the
//! same tables, one transaction per delivery: the delivery remembered, the transition inserted,
//! the envelope's counters updated. The floor knows each envelope's next sequence number from
//! memory and reads nothing back; the tracker locks the envelope's row, reads its snapshot and
//! transitions, and checks the delivery, which is what makes it safe for several instances. Each
//! delivery is a new signer's signature: one new transition each.
//!
//! Needs `SIGNING_TEST_POSTGRES_URL` (`.ci/postgres.sh start`); says it is skipped otherwise.
//! Prints the paired ratio itself (`paired tracker_ingest_postgres ...`).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use heysign::HeySign;
use signing_core::webhook::{WebhookSecret, signature_headers};
use signing_core::{
    Envelope, EnvelopeId, EnvelopeSigner, EnvelopeStatus, SignerStatus, SigningProvider,
    WebhookRequest,
};
use signing_tracker::store::PostgresStore;
use signing_tracker::{HandlerError, Tracker, Transition};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::runtime::Runtime;

const URL_VARIABLE: &str = "SIGNING_TEST_POSTGRES_URL";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Signers per envelope: each delivery signs for the next one.
const SIGNERS: u64 = 50;
/// Alternating rounds for the paired ratio, and deliveries per round.
const ROUNDS: u32 = 10;
const BATCH: u64 = 200;

/// One side of the comparison: its schema, pool and envelopes.
struct Side {
    pool: PgPool,
    provider: HeySign,
    tracker: Tracker,
    /// Deliveries made so far: the next one is signer `n % SIGNERS` of envelope `n / SIGNERS`.
    next: AtomicU64,
}

impl Side {
    async fn new(url: &str, schema: &str) -> Self {
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .expect("PostgreSQL answers");
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&admin)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let options = PgConnectOptions::from_str(url)
            .unwrap()
            .options([("search_path", schema)]);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .unwrap();
        let store = PostgresStore::from_pool(pool.clone()).await.unwrap();
        // Only `parse_webhook` is called: the API is never reached.
        let provider = heysign::HeySignBuilder::new()
            .with_api_url("http://127.0.0.1:9")
            .with_auth_url("http://127.0.0.1:9")
            .with_client_credentials("bench", "bench")
            .with_issuer("Bench AB")
            .with_webhook_secret(WebhookSecret::new(SECRET).unwrap())
            .build()
            .unwrap();
        let tracker = Tracker::builder()
            .store(store)
            .provider(Arc::new(provider.clone()))
            .handler(|_: Transition| async { Ok::<(), HandlerError>(()) })
            .build()
            .unwrap();
        Self {
            pool,
            provider,
            tracker,
            next: AtomicU64::new(0),
        }
    }

    /// The next `count` deliveries, with every envelope they name tracked first.
    async fn deliveries(&self, count: u64) -> Vec<WebhookRequest> {
        let first = self.next.fetch_add(count, Ordering::Relaxed);
        let secret = WebhookSecret::new(SECRET).unwrap();
        let now = OffsetDateTime::now_utc();
        let mut requests = Vec::new();
        for n in first..first + count {
            let (envelope, signer) = (n / SIGNERS, n % SIGNERS);
            if signer == 0 {
                let mut tracked = Envelope::new(
                    EnvelopeId::new(format!("agr-{envelope}")),
                    "heysign",
                    EnvelopeStatus::Sent,
                );
                tracked.signers = (0..SIGNERS)
                    .map(|s| {
                        EnvelopeSigner::new(format!("s{s}@example.com"), SignerStatus::Notified)
                    })
                    .collect();
                self.tracker.track(&tracked).await.unwrap();
            }
            let body = serde_json::json!({
                "type": "signee.signsession.completed",
                "timestamp": now.format(&Rfc3339).unwrap(),
                "data": {
                    "id": format!("signee-{envelope}-{signer}"),
                    "agreement_id": format!("agr-{envelope}"),
                    "status": "Signed",
                    "attributes": {"email": format!("s{signer}@example.com")},
                },
            });
            let body = Bytes::from(body.to_string());
            let headers =
                signature_headers(&secret, &format!("msg_{n}"), now.unix_timestamp(), &body)
                    .unwrap();
            requests.push(WebhookRequest::new(headers, body));
        }
        requests
    }
}

/// The tracker's ingest, one delivery at a time.
async fn tracker_ingest(side: &Side, count: u64) -> Duration {
    let deliveries = side.deliveries(count).await;
    let started = Instant::now();
    for delivery in &deliveries {
        let ingested = side.tracker.ingest("heysign", delivery).await.unwrap();
        assert_eq!(ingested.transitions, 1);
    }
    started.elapsed()
}

/// The floor: the same verification, then the same rows written in one transaction, with the
/// sequence number known in advance and nothing read back.
async fn floor_ingest(side: &Side, count: u64) -> Duration {
    let first = side.next.load(Ordering::Relaxed);
    let deliveries = side.deliveries(count).await;
    let started = Instant::now();
    for (n, delivery) in (first..).zip(&deliveries) {
        let events = side.provider.parse_webhook(delivery).await.unwrap();
        let event = &events[0];
        let envelope = event.envelope_id.as_ref().unwrap().as_str();
        let email = event
            .signer
            .as_ref()
            .and_then(|s| s.email.as_deref())
            .unwrap();
        // Transition 1 is `sent`, recorded by `track`.
        let seq = i64::try_from(n % SIGNERS).unwrap() + 2;
        let now =
            i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap();
        let mut tx = side.pool.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO signing_tracker_deliveries (provider, delivery_id, envelope_id, received_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind("heysign")
        .bind(event.id.as_str())
        .bind(envelope)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO signing_tracker_transitions \
             (provider, envelope_id, seq, milestone, kind, signer, status, source, recorded_at) \
             VALUES ($1, $2, $3, $4, 'signer_signed', $5, 'sent', 'webhook', $6)",
        )
        .bind("heysign")
        .bind(envelope)
        .bind(seq)
        .bind(format!("signed:email:{email}"))
        .bind(format!("email:{email}"))
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "UPDATE signing_tracker_envelopes SET recorded_seq = $3, changed_at = $4 \
             WHERE provider = $1 AND envelope_id = $2",
        )
        .bind("heysign")
        .bind(envelope)
        .bind(seq)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    started.elapsed()
}

fn benches(c: &mut Criterion) {
    let Some(url) = std::env::var(URL_VARIABLE)
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        println!(
            "skipped tracker_ingest_postgres: {URL_VARIABLE} is not set (start a server with `.ci/postgres.sh start`)"
        );
        return;
    };
    let rt = Runtime::new().unwrap();
    let pid = std::process::id();
    let tracker_side = rt.block_on(Side::new(&url, &format!("bench_tracker_{pid}")));
    let floor_side = rt.block_on(Side::new(&url, &format!("bench_floor_{pid}")));

    let mut group = c.benchmark_group("tracker_ingest_postgres");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("tracker", |b| {
        b.to_async(&rt)
            .iter_custom(|iters| tracker_ingest(&tracker_side, iters));
    });
    group.bench_function("floor", |b| {
        b.to_async(&rt)
            .iter_custom(|iters| floor_ingest(&floor_side, iters));
    });
    group.finish();

    let rounds: Vec<(f64, f64)> = (0..ROUNDS)
        .map(|round| {
            let tracker = || {
                rt.block_on(tracker_ingest(&tracker_side, BATCH))
                    .as_secs_f64()
            };
            let floor = || rt.block_on(floor_ingest(&floor_side, BATCH)).as_secs_f64();
            if round % 2 == 0 {
                let t = tracker();
                (t, floor())
            } else {
                let f = floor();
                (tracker(), f)
            }
        })
        .collect();
    let mut ratios: Vec<f64> = rounds.iter().map(|(t, f)| t / f).collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: usize| ratios[(ratios.len() - 1) * q / 4];
    // 2,000 deliveries: exact in an f64.
    let deliveries = f64::from(ROUNDS) * f64::from(u32::try_from(BATCH).unwrap());
    let per_second = |total: f64| deliveries / total;
    let tracker_rate = per_second(rounds.iter().map(|r| r.0).sum());
    let floor_rate = per_second(rounds.iter().map(|r| r.1).sum());
    println!(
        "paired tracker_ingest_postgres: time tracker/floor median {:.3}x (quartiles {:.3}x to {:.3}x); \
         throughput tracker {tracker_rate:.0}/s, floor {floor_rate:.0}/s, tracker/floor {:.3}x \
         ({ROUNDS} rounds of {BATCH} deliveries, one at a time)",
        at(2),
        at(1),
        at(3),
        tracker_rate / floor_rate
    );
    rt.block_on(async {
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .unwrap();
        for schema in [format!("bench_tracker_{pid}"), format!("bench_floor_{pid}")] {
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&admin)
                .await
                .unwrap();
        }
    });
}

criterion_group!(ingest, benches);
criterion_main!(ingest);
