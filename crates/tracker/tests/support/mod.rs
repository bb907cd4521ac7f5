//! What the tracker's tests share: stores to run against, PostgreSQL when it is available.
// Each test binary uses its own part of this module.
#![allow(dead_code, unreachable_pub)]

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use signing_tracker::store::PostgresStore;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// The variable naming the PostgreSQL server the tests may use (`.ci/postgres.sh start` sets
/// it).
pub const POSTGRES_URL: &str = "SIGNING_TEST_POSTGRES_URL";

/// The PostgreSQL URL, or `None` after printing that `test` is skipped.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_URL) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            println!(
                "skipped {test}: {POSTGRES_URL} is not set (start a server with `.ci/postgres.sh start`)"
            );
            None
        }
    }
}

static SCHEMAS: AtomicU64 = AtomicU64::new(0);

/// A fresh schema on the test server, so that concurrent tests never see each other's rows.
pub async fn fresh_schema(url: &str, label: &str) -> String {
    let schema = format!(
        "t_{label}_{}_{}_{}",
        std::process::id(),
        SCHEMAS.fetch_add(1, Ordering::Relaxed),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    );
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("the test PostgreSQL server answers");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&pool)
        .await
        .expect("create schema");
    pool.close().await;
    schema
}

/// Options connecting to `schema` on the test server.
pub fn schema_options(url: &str, schema: &str) -> PgConnectOptions {
    PgConnectOptions::from_str(url)
        .expect("a valid test URL")
        .options([("search_path", schema)])
}

/// A PostgreSQL store in a fresh schema, or `None` (skipped) without a server.
pub async fn postgres_store(test: &str) -> Option<PostgresStore> {
    let url = postgres_url(test)?;
    let schema = fresh_schema(&url, "store").await;
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect_with(schema_options(&url, &schema))
        .await
        .expect("connect to the test schema");
    Some(PostgresStore::from_pool(pool).await.expect("migrated"))
}
