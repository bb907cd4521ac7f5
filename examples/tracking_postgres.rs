//! Durable tracking: an application learns exactly once when each envelope is signed, on
//! PostgreSQL, as several instances of it would.
//!
//! Starts the HeySign and LEAP Sign emulators, serves the tracker's webhook route, sends one
//! envelope to each provider, tracks them, plays the signers, and prints each transition as the
//! handler receives it. The handler records its effect keyed on the transition's id, so that a
//! re-run after a crash changes nothing.
//!
//! ```sh
//! eval "$(.ci/postgres.sh start)"                      # or any PostgreSQL you have
//! DATABASE_URL=$SIGNING_TEST_POSTGRES_URL cargo run --example tracking_postgres
//! cargo run --example tracking_postgres                # no URL: the SQLite default, no set-up
//! ```
//!
//! `DATABASE_URL` is read first, then `SIGNING_TEST_POSTGRES_URL` (which CI sets).

use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use signing::heysign::{HeySign, HeySignBuilder};
use signing::leap_sign::LeapSign;
use signing::testkit::emulator::heysign::HeySignEmulator;
use signing::testkit::emulator::leap_sign::LeapSignEmulator;
use signing::tracker::sqlx::{self, PgPool};
use signing::tracker::store::{PostgresStore, SqliteStore, Store};
use signing::tracker::{Handler, HandlerError, Tracker, Transition};
use signing::webhook::WebhookSecret;
use signing::{Document, EnvelopeId, NewEnvelope, Party, Signer, SigningOrder, SigningProvider};

const PDF: &[u8] = b"%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
trailer << /Root 1 0 R >>
%%EOF
";

/// Where the tracker keeps its state.
enum Backend {
    Postgres(String),
    Sqlite,
}

fn postgres_url() -> Option<String> {
    ["DATABASE_URL", "SIGNING_TEST_POSTGRES_URL"]
        .into_iter()
        .find_map(|name| {
            std::env::var(name)
                .ok()
                .filter(|url| !url.trim().is_empty())
        })
}

#[tokio::main]
async fn main() {
    let backend = if let Some(url) = postgres_url() {
        Backend::Postgres(url)
    } else {
        println!("no DATABASE_URL: running on the SQLite default (a file), no set-up needed");
        Backend::Sqlite
    };
    if let Err(err) = run(backend).await {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

/// The application's handler: its effect (here a row in its own table, on PostgreSQL) is keyed
/// on the transition's id, so doing it twice is doing it once.
#[derive(Clone)]
struct Notify {
    pool: Option<PgPool>,
}

#[signing::async_trait]
impl Handler for Notify {
    async fn handle(&self, transition: &Transition) -> Result<(), HandlerError> {
        if let Some(pool) = &self.pool {
            sqlx::query(
                "INSERT INTO app_signing_events (transition_id, envelope, what) VALUES ($1, $2, $3) \
                 ON CONFLICT (transition_id) DO NOTHING",
            )
            .bind(transition.id().as_str())
            .bind(transition.key.to_string())
            .bind(transition.milestone.key())
            .execute(pool)
            .await?;
        }
        println!(
            "  {} #{}: {} (now {})",
            transition.key,
            transition.seq,
            transition.milestone.key(),
            transition.status()
        );
        Ok(())
    }
}

async fn run(backend: Backend) -> Result<(), Box<dyn Error>> {
    let heysign_emulator = HeySignEmulator::start().await;
    let leap_emulator = LeapSignEmulator::start().await;
    // The route's address goes into the providers' configuration, so it is bound first.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/webhooks", listener.local_addr()?);

    let (_, secret) = heysign_emulator.register_webhook(&format!("{base}/heysign"), &[]);
    let heysign: HeySign = HeySignBuilder::new()
        .with_api_url(heysign_emulator.api_url())
        .with_auth_url(heysign_emulator.auth_url())
        .with_client_credentials(
            heysign_emulator.client_id(),
            heysign_emulator.client_secret(),
        )
        .with_issuer("Acme AB")
        .with_webhook_secret(WebhookSecret::new(&secret)?)
        .build()?;
    let leap: LeapSign = LeapSign::builder()
        .with_base_url(leap_emulator.base_url())
        .with_api_key(leap_emulator.api_key().to_owned())
        .with_callback(format!("{base}/leap-sign"), "a long random callback secret")
        .allow_insecure_loopback_callback(true)
        .with_default_owner(Party::new("Olga Owner", "olga@example.com"))
        // No replay guard: the tracker deduplicates on its store, after the effect is recorded.
        .build()?;

    let (store, pool, sqlite_file) = open_store(backend).await?;
    let tracker = Tracker::builder()
        .shared_store(store)
        .provider(Arc::new(heysign.clone()))
        .provider(Arc::new(leap.clone()))
        .handler(Notify { pool })
        // Quiet envelopes are read again after this long (5 minutes by default).
        .stale_after(Duration::from_secs(2))
        .tick(Duration::from_millis(50))
        .build()?;
    let app =
        axum::Router::new().nest("/webhooks", signing::tracker::axum::router(tracker.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let running = tracker.start();

    let request = |order| {
        NewEnvelope::builder()
            .title("Supplier agreement")
            .document(Document::new("agreement.pdf", PDF))
            .signer(Signer::new("Ada Lovelace", "ada@example.com"))
            .signer(Signer::new("Charles Babbage", "charles@example.com"))
            .order(order)
            .build()
    };
    let on_heysign = heysign.send(&request(SigningOrder::Parallel)?).await?;
    tracker.track(&on_heysign).await?;
    let on_leap = leap.send(&request(SigningOrder::Sequential)?).await?;
    tracker.track(&on_leap).await?;
    println!(
        "sent {} on heysign and {} on leap-sign; the signers sign",
        on_heysign.id, on_leap.id
    );

    for signee in heysign_emulator.signees_of(on_heysign.id.as_str()) {
        if let Some(id) = signee["id"].as_str() {
            heysign_emulator.sign(id).map_err(|e| e.to_string())?;
        }
    }
    for email in ["ada@example.com", "charles@example.com"] {
        leap_emulator
            .sign(on_leap.id.as_str(), email)
            .map_err(|e| e.to_string())?;
    }

    // Both envelopes finish, and every transition is handled: 2 x (sent, 2 signatures, finished).
    let started = Instant::now();
    let envelopes = [("heysign", &on_heysign.id), ("leap-sign", &on_leap.id)];
    while !all_handled(&tracker, &envelopes).await? {
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("not done after 30 s: {:?}", tracker.stats().await?).into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.shutdown().await;
    for (provider, id) in envelopes {
        let transitions = tracker.transitions(provider, id).await?;
        let keys: Vec<String> = transitions.iter().map(|t| t.milestone.key()).collect();
        println!("{provider} {id}: {}", keys.join(" -> "));
    }
    println!("every transition handled once: {:?}", tracker.metrics());
    if let Some(path) = sqlite_file {
        drop(tracker);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    Ok(())
}

/// The store for `backend`; on PostgreSQL also the pool, where the application keeps its own
/// table beside the tracker's; on SQLite the file, removed at the end.
async fn open_store(
    backend: Backend,
) -> Result<(Arc<dyn Store>, Option<PgPool>, Option<std::path::PathBuf>), Box<dyn Error>> {
    Ok(match backend {
        Backend::Postgres(url) => {
            let store = PostgresStore::connect(&url).await?;
            println!("tracking on {store:?}");
            let pool = store.pool().clone();
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS app_signing_events \
                 (transition_id TEXT PRIMARY KEY, envelope TEXT NOT NULL, what TEXT NOT NULL)",
            )
            .execute(&pool)
            .await?;
            (Arc::new(store), Some(pool), None)
        }
        Backend::Sqlite => {
            let path =
                std::env::temp_dir().join(format!("tracking-example-{}.db", std::process::id()));
            let store = SqliteStore::open(&path).await?;
            println!("tracking on {store:?}");
            (Arc::new(store), None, Some(path))
        }
    })
}

async fn all_handled(
    tracker: &Tracker,
    envelopes: &[(&str, &EnvelopeId)],
) -> Result<bool, Box<dyn Error>> {
    for (provider, id) in envelopes {
        let Some(record) = tracker.envelope(provider, id).await? else {
            return Ok(false);
        };
        if !record.finished || record.handled != record.recorded || record.recorded != 4 {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_on_postgres_or_says_it_skipped() {
        match postgres_url() {
            Some(url) => run(Backend::Postgres(url)).await.unwrap(),
            None => println!(
                "skipped the PostgreSQL run: set DATABASE_URL or SIGNING_TEST_POSTGRES_URL (`.ci/postgres.sh start`)"
            ),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_on_the_sqlite_default() {
        run(Backend::Sqlite).await.unwrap();
    }
}
