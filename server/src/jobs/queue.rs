//! The queue's operations, each one statement: enqueue (by unique key), claim (one job,
//! once, across servers), heartbeat (keep the lease, report progress), complete, fail
//! (retry with back-off, or keep the failure). Every call takes the time it acts at, so
//! tests can move the clock instead of sleeping.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement, Value,
    sea_query::Expr,
};

use super::{Kind, State};
use crate::db::{self, entities::job};

/// A job to add to the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: Kind,
    /// Unique across the queue: a second job with this key is not added.
    pub key: String,
    /// The job's input, JSON.
    pub payload: String,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
}

impl NewJob {
    /// A job to run now, tried up to five times.
    pub fn new(kind: Kind, key: impl Into<String>, payload: &impl serde::Serialize) -> NewJob {
        NewJob {
            kind,
            key: key.into(),
            payload: serde_json::to_string(payload).expect("a job's payload serializes"),
            run_at: db::now(),
            max_attempts: 5,
        }
    }

    /// Not before `at`.
    pub fn at(self, at: DateTime<Utc>) -> NewJob {
        NewJob { run_at: db::truncate(at), ..self }
    }

    pub fn attempts(self, max_attempts: i32) -> NewJob {
        NewJob { max_attempts: max_attempts.max(1), ..self }
    }
}

/// Adds a job unless one with its key is there (whatever that one's state). True if it
/// was added.
pub async fn enqueue(db: &impl ConnectionTrait, job: NewJob) -> Result<bool, DbErr> {
    let now = db::now();
    let row = job::ActiveModel {
        kind: Set(job.kind.as_str().to_owned()),
        key: Set(job.key),
        payload: Set(job.payload),
        state: Set(State::Queued.as_str().to_owned()),
        run_at: Set(job.run_at),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts),
        leased_by: Set(None),
        lease_until: Set(None),
        progress: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    };
    let added =
        job::Entity::insert(row).on_conflict_do_nothing_on([job::Column::Key]).exec_without_returning(db).await?;
    Ok(matches!(added, sea_orm::TryInsertResult::Inserted(1)))
}

/// The key of a recurring job's period: the same for every server during one period.
pub fn period_key(kind: Kind, every: Duration, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
    let every_ms = (every.as_millis() as i64).max(1);
    let period = now.timestamp_millis().div_euclid(every_ms);
    let starts = DateTime::from_timestamp_millis(period * every_ms).unwrap_or(now);
    (format!("{}@{period}", kind.as_str()), starts)
}

/// Enqueues the current period's run of a recurring job: however many servers call this
/// during one period, one job is added, and one of them runs it. True if it was added.
pub async fn schedule(
    db: &impl ConnectionTrait,
    kind: Kind,
    every: Duration,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let (key, starts) = period_key(kind, every, now);
    // A tick that failed is tried again within its period, not after the next one.
    enqueue(db, NewJob::new(kind, key, &()).at(starts).attempts(3)).await
}

/// A job a worker has claimed.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub id: i64,
    pub kind: Kind,
    pub key: String,
    pub payload: String,
    /// This claim included.
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Builds a statement's placeholders for either database.
struct Binder {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Binder {
    fn new(backend: DbBackend) -> Binder {
        Binder { backend, values: Vec::new() }
    }

    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }
}

/// Claims the due job of one of `kinds` that has waited longest, for `lease`: a queued
/// job whose time has come, or a running one whose lease has passed (its server stopped
/// or lost the database). One statement: on PostgreSQL the row is locked and others
/// skip it (`FOR UPDATE SKIP LOCKED`), so two servers never claim one job; SQLite has
/// one writer at a time.
pub async fn claim(
    db: &impl ConnectionTrait,
    worker: &str,
    kinds: &[Kind],
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Option<Claimed>, DbErr> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let backend = db.get_database_backend();
    let now = db::truncate(now);
    let until = now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX);
    let mut b = Binder::new(backend);
    let running = b.bind(State::Running.as_str());
    let worker = b.bind(worker);
    let until = b.bind(until);
    let updated = b.bind(now);
    let kinds = kinds.iter().map(|k| b.bind(k.as_str())).collect::<Vec<_>>().join(", ");
    let queued = b.bind(State::Queued.as_str());
    let due = b.bind(now);
    let running_again = b.bind(State::Running.as_str());
    let expired = b.bind(now);
    let lock = if backend == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE jobs SET state = {running}, leased_by = {worker}, lease_until = {until}, \
         attempts = attempts + 1, updated_at = {updated} \
         WHERE id = (SELECT id FROM jobs WHERE kind IN ({kinds}) \
           AND ((state = {queued} AND run_at <= {due}) OR (state = {running_again} AND lease_until < {expired})) \
           ORDER BY run_at, id LIMIT 1{lock}) \
         RETURNING id, kind, key, payload, attempts, max_attempts"
    );
    let Some(row) = db.query_one_raw(Statement::from_sql_and_values(backend, sql, b.values)).await? else {
        return Ok(None);
    };
    let kind: String = row.try_get("", "kind")?;
    Ok(Some(Claimed {
        id: row.try_get("", "id")?,
        // Only kinds this server knows were asked for.
        kind: Kind::parse(&kind).ok_or_else(|| DbErr::Custom(format!("claimed a job of unknown kind {kind:?}")))?,
        key: row.try_get("", "key")?,
        payload: row.try_get("", "payload")?,
        attempts: row.try_get("", "attempts")?,
        max_attempts: row.try_get("", "max_attempts")?,
    }))
}

/// The worker's hold on one job.
fn held(id: i64, worker: &str) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(job::Column::Id.eq(id))
        .add(job::Column::LeasedBy.eq(worker))
        .add(job::Column::State.eq(State::Running.as_str()))
}

/// Extends the lease and records progress (0–1). False if the worker no longer holds the
/// job (its lease passed and another took it): it must stop.
pub async fn heartbeat(
    db: &impl ConnectionTrait,
    id: i64,
    worker: &str,
    lease: Duration,
    progress: Option<f64>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let now = db::truncate(now);
    let until = now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX);
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::LeaseUntil, Expr::value(until))
        .col_expr(job::Column::UpdatedAt, Expr::value(now));
    if let Some(p) = progress {
        update = update.col_expr(job::Column::Progress, Expr::value(p.clamp(0.0, 1.0)));
    }
    Ok(update.filter(held(id, worker)).exec(db).await?.rows_affected == 1)
}

/// Marks a held job done. False if the worker no longer held it.
pub async fn complete(db: &impl ConnectionTrait, id: i64, worker: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let now = db::truncate(now);
    let done = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(State::Done.as_str()))
        .col_expr(job::Column::Progress, Expr::value(1.0))
        .col_expr(job::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .filter(held(id, worker))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// How a failed attempt ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// Queued again, not before this time.
    Retry(DateTime<Utc>),
    /// No more attempts: the failure is kept with its reason.
    GaveUp,
    /// The worker no longer held the job.
    NotHeld,
}

/// How long to wait before attempt `attempts + 1`: 30 s, 2 min, 8 min, 32 min, then
/// hourly.
pub fn back_off(attempts: i32) -> TimeDelta {
    let exponent = attempts.clamp(1, 8) - 1;
    TimeDelta::seconds(30 * 4_i64.pow(exponent as u32)).min(TimeDelta::hours(1))
}

/// Records a failed attempt: retried after [`back_off`] if `retry` and attempts are left,
/// else kept as failed with `error`.
pub async fn fail(
    db: &impl ConnectionTrait,
    job: &Claimed,
    worker: &str,
    error: &str,
    retry: bool,
    now: DateTime<Utc>,
) -> Result<Failed, DbErr> {
    let now = db::truncate(now);
    let error: String = error.chars().take(2000).collect();
    let update = job::Entity::update_many()
        .col_expr(job::Column::LastError, Expr::value(error))
        .col_expr(job::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now));
    let (update, outcome) = if retry && job.attempts < job.max_attempts {
        let at = now + back_off(job.attempts);
        let update = update
            .col_expr(job::Column::State, Expr::value(State::Queued.as_str()))
            .col_expr(job::Column::LeasedBy, Expr::value(Option::<String>::None))
            .col_expr(job::Column::RunAt, Expr::value(at));
        (update, Failed::Retry(at))
    } else {
        let update = update
            .col_expr(job::Column::State, Expr::value(State::Failed.as_str()))
            .col_expr(job::Column::FinishedAt, Expr::value(now));
        (update, Failed::GaveUp)
    };
    match update.filter(held(job.id, worker)).exec(db).await?.rows_affected {
        1 => Ok(outcome),
        _ => Ok(Failed::NotHeld),
    }
}

/// Queues a failed job again from its first attempt (an operator's retry). True if there
/// was a failed job with this key.
pub async fn retry_failed(db: &impl ConnectionTrait, key: &str) -> Result<bool, DbErr> {
    let now = db::now();
    let requeued = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(State::Queued.as_str()))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::RunAt, Expr::value(now))
        .col_expr(job::Column::LeasedBy, Expr::value(Option::<String>::None))
        .col_expr(job::Column::FinishedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Key.eq(key))
        .filter(job::Column::State.eq(State::Failed.as_str()))
        .exec(db)
        .await?;
    Ok(requeued.rows_affected == 1)
}

/// The job with this key, if any.
pub async fn find(db: &impl ConnectionTrait, key: &str) -> Result<Option<job::Model>, DbErr> {
    job::Entity::find().filter(job::Column::Key.eq(key)).one(db).await
}

/// Deletes done jobs that finished before `before`. Failed ones are kept, with their
/// reasons, until someone retries them.
pub async fn purge_done(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let done = job::Entity::delete_many()
        .filter(job::Column::State.eq(State::Done.as_str()))
        .filter(job::Column::FinishedAt.lt(before))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_to_an_hour() {
        let waits: Vec<i64> = (1..=7).map(|a| back_off(a).num_seconds()).collect();
        assert_eq!(waits, [30, 120, 480, 1920, 3600, 3600, 3600]);
    }

    #[test]
    fn a_period_has_one_key_for_every_server() {
        let hour = Duration::from_secs(3600);
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let (a, start) = period_key(Kind::Housekeeping, hour, at("2026-12-02T10:00:00Z"));
        let (b, _) = period_key(Kind::Housekeeping, hour, at("2026-12-02T10:59:59.999Z"));
        let (c, _) = period_key(Kind::Housekeeping, hour, at("2026-12-02T11:00:00Z"));
        assert_eq!(a, b);
        assert_ne!(b, c);
        assert_eq!(start, at("2026-12-02T10:00:00Z"));
    }
}
