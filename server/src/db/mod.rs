//! The database: connecting (SQLite or PostgreSQL, chosen by the URL), migrating, and
//! backing up.

pub mod columns;
pub mod entities;
pub mod json;
pub mod migrations;
pub mod tally;

use std::{path::Path, time::Duration};

use chrono::{DateTime, DurationRound, Utc};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use sea_orm_migration::MigratorTrait;

use migrations::Migrator;

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Tells the backend from a database URL, or says what is wrong with it.
    pub fn from_url(url: &str) -> Result<Backend, DbErr> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbErr::Custom(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB"
            )))
        }
    }
}

/// Connects to the database at `url`.
///
/// SQLite runs in WAL mode with `synchronous=FULL`: a commit is on disk before the call
/// returns, because sync answers are sent only after a durable commit. Foreign keys are
/// enforced and writers wait for each other (busy timeout) instead of failing.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).acquire_timeout(Duration::from_secs(30));
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            // WAL lets readers proceed during a write; one writer at a time either way.
            // A connection to a file in this process doesn't go stale: checking one each
            // time it is taken from the pool was a round trip to SQLite's thread per
            // request (a one-record sync ran 15% slower for it).
            options.test_before_acquire(false);
            options.max_connections(8).min_connections(1).map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        }
        Backend::Postgres => {
            // A connection idle for a while may have been dropped (a restart, a firewall):
            // it is checked before use; one just used is not (a round trip per request).
            options.max_connections(16).min_connections(1).test_before_acquire_if_idle_for(Duration::from_secs(30));
        }
    }
    Database::connect(options).await
}

/// An arbitrary, fixed key for the migration lock (`primer` in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x7072_696d_6572;

/// Applies every pending migration.
///
/// On PostgreSQL several servers may start at once against one database, so migrating
/// happens under a session-level advisory lock on one dedicated connection: the first
/// server migrates, the others wait and then find nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            let conn = pool.acquire().await.map_err(|e| DbErr::Custom(e.to_string()))?;
            let lock = sea_orm::sqlx::postgres::PgAdvisoryLock::with_key(
                sea_orm::sqlx::postgres::PgAdvisoryLockKey::BigInt(MIGRATION_LOCK_KEY),
            );
            let guard = lock.acquire(conn).await.map_err(|e| DbErr::Custom(e.to_string()))?;
            let result = Migrator::up(db, None).await;
            guard.release_now().await.map_err(|e| DbErr::Custom(e.to_string()))?;
            result
        }
        _ => Migrator::up(db, None).await,
    }
}

/// Writes a consistent copy of a live SQLite database to `dest` (which must not exist).
/// Other connections keep reading and writing meanwhile.
pub async fn backup(db: &DatabaseConnection, dest: &Path) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(DbErr::Custom("primer backup copies SQLite databases; for PostgreSQL use pg_dump".into()));
    }
    if dest.exists() {
        return Err(DbErr::Custom(format!("{} already exists; choose a new file", dest.display())));
    }
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [dest.to_string_lossy().into_owned().into()],
    ))
    .await?;
    Ok(())
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a transaction that reads first and writes later would otherwise
/// fail, not wait, if another writer committed in between. Inside a transaction it is a
/// savepoint.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// The current time at the precision both databases store (microseconds), so a value
/// read back equals the value written.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

/// A time at the precision both databases store (microseconds).
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(chrono::TimeDelta::microseconds(1)).unwrap_or(t)
}

/// True if the error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}
