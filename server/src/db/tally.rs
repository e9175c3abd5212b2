//! Counting what a piece of work asks of the database: a connection that passes every
//! statement through and counts it, and the rows the database returned. Counts are
//! deterministic, unlike timings, so a test can hold a path to them (a sync must read
//! the same for a learner with years of records as for a new one), and the server logs
//! them.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement};

/// Statements run and rows returned so far.
#[derive(Debug, Default)]
pub struct Counts {
    statements: AtomicU64,
    rows: AtomicU64,
}

impl Counts {
    /// Statements run (a transaction's begin and commit included, when counted with
    /// [`Counts::round_trip`]).
    pub fn statements(&self) -> u64 {
        self.statements.load(Relaxed)
    }

    /// Rows the database returned.
    pub fn rows(&self) -> u64 {
        self.rows.load(Relaxed)
    }

    /// Counts a round trip that doesn't go through a [`Tally`] (a begin or a commit).
    pub fn round_trip(&self) {
        self.statements.fetch_add(1, Relaxed);
    }

    fn add(&self, rows: usize) {
        self.statements.fetch_add(1, Relaxed);
        self.rows.fetch_add(rows as u64, Relaxed);
    }
}

/// A connection (or transaction) that counts what passes through it into `counts`.
pub struct Tally<'a, C> {
    inner: &'a C,
    counts: &'a Counts,
}

impl<'a, C: ConnectionTrait> Tally<'a, C> {
    pub fn new(inner: &'a C, counts: &'a Counts) -> Self {
        Tally { inner, counts }
    }
}

#[async_trait::async_trait]
impl<C: ConnectionTrait> ConnectionTrait for Tally<'_, C> {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let result = self.inner.execute_raw(stmt).await;
        self.counts.add(0);
        result
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let result = self.inner.execute_unprepared(sql).await;
        self.counts.add(0);
        result
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let result = self.inner.query_one_raw(stmt).await;
        self.counts.add(result.as_ref().map_or(0, |r| usize::from(r.is_some())));
        result
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let result = self.inner.query_all_raw(stmt).await;
        self.counts.add(result.as_ref().map_or(0, Vec::len));
        result
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }

    fn is_mock_connection(&self) -> bool {
        self.inner.is_mock_connection()
    }
}
