//! The SQLite store: one file, the embedded default for a single instance.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Executor as _, Row as _, SqlitePool};
use time::OffsetDateTime;

use super::sql::{self, Dialect, Migration, failed, sql_store};
use super::{StoreError, StoreResult, to_millis};

const DIALECT: Dialect = Dialect {
    parameter: '?',
    lock_row: "",
    skip_locked: "",
};

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "init",
    sql: include_str!("../../migrations/sqlite/0001_init.sql"),
}];

/// A [`Store`](super::Store) in one SQLite file, for an application running one instance.
///
/// The schema is created or migrated when the store opens. Every operation goes through one
/// connection, which makes each one atomic without row locks; several processes on one file
/// would wait on each other's writes, so use [`PostgresStore`](super::PostgresStore) (feature
/// `postgres`) for several instances.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), signing_tracker::store::StoreError> {
/// use signing_tracker::store::SqliteStore;
///
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("tracker.db");
/// let store = SqliteStore::open(&path).await?;
/// println!("{store:?}");
/// # Ok(()) }
/// ```
pub struct SqliteStore {
    pool: SqlitePool,
    /// The same pool: SQLite has one writer, so the handler's bookkeeping cannot be given
    /// connections of its own.
    control: SqlitePool,
    dialect: Dialect,
    location: Option<PathBuf>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field(
                "location",
                &self.location.as_deref().unwrap_or(Path::new(":memory:")),
            )
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in the file at `path`, and migrates its schema.
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref();
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        Self::start(options, Some(path.to_owned())).await
    }

    /// A store in memory, gone when dropped: the SQLite code paths without a file.
    pub async fn in_memory() -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(failed("open"))?
            .foreign_keys(true);
        Self::start(options, None).await
    }

    async fn start(options: SqliteConnectOptions, location: Option<PathBuf>) -> StoreResult<Self> {
        // One connection: SQLite has one writer anyway, and it keeps an in-memory database
        // alive and shared.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(failed("open"))?;
        let store = Self {
            control: pool.clone(),
            pool,
            dialect: DIALECT,
            location,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(failed("begin migration"))?;
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
        check_known(&applied)?;
        for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
            // A plain string runs unprepared, so one migration may hold several statements.
            (&mut *tx)
                .execute(migration.sql)
                .await
                .map_err(failed("apply a migration"))?;
            sqlx::query(&DIALECT.sql(sql::RECORD_MIGRATION))
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

/// Refuses a store migrated by a newer version: its schema may mean things this one ignores.
fn check_known(applied: &[i64]) -> StoreResult<()> {
    let newest = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
    match applied.iter().copied().filter(|v| *v > newest).max() {
        Some(version) => Err(StoreError::new(format!(
            "the store's schema is at version {version}, newer than this version knows ({newest})"
        ))),
        None => Ok(()),
    }
}

sql_store!(SqliteStore, sqlx::Sqlite);
