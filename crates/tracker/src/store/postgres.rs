//! The PostgreSQL store: many instances on one database.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor as _, PgPool, Row as _};
use time::OffsetDateTime;

use super::sql::{self, Dialect, Migration, failed, sql_store};
use super::{StoreError, StoreResult, to_millis};

const DIALECT: Dialect = Dialect {
    parameter: '$',
    lock_row: " FOR UPDATE",
    skip_locked: " FOR UPDATE SKIP LOCKED",
};

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "init",
    sql: include_str!("../../migrations/postgres/0001_init.sql"),
}];

/// The advisory lock key taken while migrating ("SIGNTRKR"), so that instances starting
/// together migrate one after the other.
const MIGRATION_LOCK: i64 = 0x5349_474e_5452_4b52;

/// A [`Store`](super::Store) in PostgreSQL, shared by every instance of an application.
///
/// Claims take rows with `FOR UPDATE SKIP LOCKED`: instances never claim the same envelope and
/// never wait on each other's claims. A claim is a lease with an expiry stored in the row, so an
/// instance that dies leaves its envelopes to the others once the lease runs out. The schema
/// is migrated when the store connects, under an advisory lock.
///
/// Neither `Debug` nor any error shows the connection URL or its password.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), signing_tracker::store::StoreError> {
/// use signing_tracker::store::PostgresStore;
///
/// let url = std::env::var("DATABASE_URL").expect("a PostgreSQL URL");
/// let store = PostgresStore::connect(&url).await?;
/// println!("{store:?}"); // PostgresStore { database: "host:5432/app", .. }
/// # Ok(()) }
/// ```
pub struct PostgresStore {
    pool: PgPool,
    /// Two connections of its own for the handler's claims, lease renewals and marks, so that
    /// webhooks and reads holding every connection of `pool` never make a lease run out.
    control: PgPool,
    dialect: Dialect,
    database: String,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) with a
    /// pool of up to 10 connections (and 2 for the handler's leases), and migrates the schema.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        // The parser's message could quote the URL, password included: it is not kept.
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::new("the PostgreSQL URL is not valid"))?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(failed("connect"))?;
        Self::from_pool(pool).await
    }

    /// Uses an application's own pool, and migrates the schema. The handler's bookkeeping gets
    /// two more connections of its own, opened with the same options when first needed.
    pub async fn from_pool(pool: PgPool) -> StoreResult<Self> {
        let options = pool.connect_options();
        let database = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or_default()
        );
        // Opened on first use, with the pool's own connection options.
        let control = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with((*options).clone());
        let store = Self {
            pool,
            control,
            dialect: DIALECT,
            database,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The pool the store uses, for an application that keeps its own tables beside it.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(failed("begin migration"))?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(failed("lock for migration"))?;
        (&mut *tx)
            .execute(sql::MIGRATIONS_TABLE)
            .await
            .map_err(failed("create the migrations table"))?;
        let applied: Vec<i64> = sqlx::query(sql::APPLIED_MIGRATIONS)
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("read migrations"))?
            .iter()
            .map(|row| row.try_get::<i64, _>("version"))
            .collect::<Result<_, _>>()
            .map_err(failed("read migrations"))?;
        let newest = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
        if let Some(version) = applied.iter().copied().filter(|v| *v > newest).max() {
            return Err(StoreError::new(format!(
                "the store's schema is at version {version}, newer than this version knows ({newest})"
            )));
        }
        for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
            // A plain string runs unprepared, so one migration may hold several statements.
            (&mut *tx)
                .execute(migration.sql)
                .await
                .map_err(failed("apply a migration"))?;
            sqlx::query(sql::RECORD_MIGRATION)
                .bind(migration.version)
                .bind(migration.name)
                .bind(to_millis(OffsetDateTime::now_utc()))
                .execute(&mut *tx)
                .await
                .map_err(failed("record a migration"))?;
        }
        tx.commit().await.map_err(failed("commit migration"))
    }
}

sql_store!(PostgresStore, sqlx::Postgres);
