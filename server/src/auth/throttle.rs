//! Sign-in throttling, counted in the database so every server behind a load balancer
//! counts the same failures:
//!
//! - per account *and* address: after too many failures for one account from one
//!   address within the window, that address gets 429 `too_many_attempts` for that
//!   account (with `Retry-After`) until the oldest counted failure leaves the window;
//! - per address: the same for all accounts tried from one address;
//! - per account, from everywhere: past a number of failures each further attempt first
//!   waits (1 s, doubling, at most 5 s). That slows guessing from many addresses without
//!   locking anyone out: the owner's right password from their own phone still works,
//!   a few seconds later, while an attack goes on.
//!
//! An attempt is **reserved** before its password is checked: in one transaction the
//! counts are read and, if they allow it, a failure is written (SQLite's write lock, a
//! table lock on PostgreSQL), so parallel guesses can't all pass the limit before any
//! of them is counted. A right password takes its reservation back; so does an attempt
//! that was never checked (the server too busy to hash).

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionSession, TransactionTrait, sea_query::Condition,
};

use crate::{
    config::ThrottleConfig,
    db::{self, entities::login_failure},
    error::ApiError,
};

/// The longest an attempt waits because of failures on its account from elsewhere.
pub const MAX_DELAY: Duration = Duration::from_secs(5);

/// An attempt allowed to check a password, already counted as a failure.
#[derive(Debug)]
#[must_use = "a reservation is a failure until it is taken back"]
pub struct Reservation {
    id: i64,
    /// How long to wait before checking the password (failures on the account from
    /// every address).
    pub delay: Duration,
}

/// How long an attempt waits after `failures` on its account from every address.
pub fn delay(failures: u64, slow_after: u32) -> Duration {
    match failures.checked_sub(u64::from(slow_after)) {
        None => Duration::ZERO,
        Some(past) => Duration::from_secs(1u64 << past.min(3)).min(MAX_DELAY),
    }
}

/// Reserves an attempt for `email` from `ip`, or refuses it (429 `too_many_attempts`,
/// with the time until it would be allowed).
pub async fn reserve<C: TransactionTrait>(
    db: &C,
    cfg: &ThrottleConfig,
    email: &str,
    ip: &str,
) -> Result<Reservation, ApiError> {
    let txn = db::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // One reservation at a time (readers go on): a count and its insert are one step.
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "LOCK TABLE login_failures IN SHARE ROW EXCLUSIVE MODE",
        ))
        .await?;
    }
    let now = db::now();
    let since = now - cfg.window;
    let pair = Condition::all().add(login_failure::Column::Email.eq(email)).add(login_failure::Column::Ip.eq(ip));
    let address = Condition::all().add(login_failure::Column::Ip.eq(ip));
    for (condition, limit) in [(pair, cfg.per_account_address), (address, cfg.per_address)] {
        let failures = recent(condition.clone(), since).count(&txn).await?;
        if failures >= u64::from(limit) {
            let retry_after = retry_after(&txn, cfg, condition, limit).await?;
            return Err(ApiError::TooManyAttempts { retry_after });
        }
    }
    let on_account = recent(Condition::all().add(login_failure::Column::Email.eq(email)), since).count(&txn).await?;
    let id = login_failure::ActiveModel {
        email: Set(email.to_owned()),
        ip: Set(ip.to_owned()),
        failed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?
    .id;
    // Failures older than the window count for nothing.
    login_failure::Entity::delete_many().filter(login_failure::Column::FailedAt.lt(since)).exec(&txn).await?;
    txn.commit().await?;
    Ok(Reservation { id, delay: delay(on_account, cfg.slow_after) })
}

fn recent(condition: Condition, since: chrono::DateTime<chrono::Utc>) -> sea_orm::Select<login_failure::Entity> {
    login_failure::Entity::find().filter(condition).filter(login_failure::Column::FailedAt.gt(since))
}

/// How long until fewer than `limit` failures remain in the window: when the `limit`-th
/// most recent failure leaves it.
async fn retry_after(
    db: &impl ConnectionTrait,
    cfg: &ThrottleConfig,
    condition: Condition,
    limit: u32,
) -> Result<Duration, DbErr> {
    let pivot = login_failure::Entity::find()
        .filter(condition)
        .order_by_desc(login_failure::Column::FailedAt)
        .offset(u64::from(limit.max(1) - 1))
        .one(db)
        .await?;
    let wait = pivot.map(|f| (f.failed_at + cfg.window - db::now()).to_std().unwrap_or_default()).unwrap_or_default();
    Ok(wait.max(Duration::from_secs(1)))
}

/// The password was right: the reservation is taken back, and the failures of this
/// account from this address are forgotten (not those from elsewhere: the owner signing
/// in must not reset an attacker's count, nor one right password unlock guessing at
/// other accounts from this address).
pub async fn succeeded(
    db: &impl ConnectionTrait,
    reservation: Reservation,
    email: &str,
    ip: &str,
) -> Result<(), DbErr> {
    login_failure::Entity::delete_many()
        .filter(
            Condition::any().add(login_failure::Column::Id.eq(reservation.id)).add(
                Condition::all().add(login_failure::Column::Email.eq(email)).add(login_failure::Column::Ip.eq(ip)),
            ),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The password was never checked (the server was too busy): not a failure.
pub async fn release(db: &impl ConnectionTrait, reservation: Reservation) -> Result<(), DbErr> {
    login_failure::Entity::delete_by_id(reservation.id).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_five_seconds() {
        let s = Duration::from_secs;
        assert_eq!(delay(0, 10), Duration::ZERO);
        assert_eq!(delay(9, 10), Duration::ZERO);
        assert_eq!([delay(10, 10), delay(11, 10), delay(12, 10), delay(13, 10)], [s(1), s(2), s(4), s(5)]);
        assert_eq!(delay(10_000, 10), MAX_DELAY);
    }
}
