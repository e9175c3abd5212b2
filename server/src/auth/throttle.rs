//! Sign-in throttling: after too many failures for one account, or from one address,
//! within the window, sign-in answers 429 `too_many_attempts` with `Retry-After` until
//! the oldest counted failure leaves the window. Failures live in the database, so every
//! server behind a load balancer counts the same ones.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::{
    config::ThrottleConfig,
    db::{self, entities::login_failure},
    error::ApiError,
};

/// Refuses the attempt if the account or the address is over its limit.
pub async fn check(db: &impl ConnectionTrait, cfg: &ThrottleConfig, email: &str, ip: &str) -> Result<(), ApiError> {
    let since = db::now() - cfg.window;
    for (column, value, limit) in
        [(login_failure::Column::Email, email, cfg.per_account), (login_failure::Column::Ip, ip, cfg.per_address)]
    {
        let failures = login_failure::Entity::find()
            .filter(column.eq(value))
            .filter(login_failure::Column::FailedAt.gt(since))
            .count(db)
            .await?;
        if failures >= u64::from(limit) {
            return Err(ApiError::TooManyAttempts { retry_after: retry_after(db, cfg, column, value, limit).await? });
        }
    }
    Ok(())
}

/// How long until fewer than `limit` failures remain in the window: when the `limit`-th
/// most recent failure leaves it.
async fn retry_after(
    db: &impl ConnectionTrait,
    cfg: &ThrottleConfig,
    column: login_failure::Column,
    value: &str,
    limit: u32,
) -> Result<Duration, DbErr> {
    let pivot = login_failure::Entity::find()
        .filter(column.eq(value))
        .order_by_desc(login_failure::Column::FailedAt)
        .offset(u64::from(limit - 1))
        .one(db)
        .await?;
    let wait = pivot.map(|f| (f.failed_at + cfg.window - db::now()).to_std().unwrap_or_default()).unwrap_or_default();
    Ok(wait.max(Duration::from_secs(1)))
}

/// Counts a failed attempt, and forgets failures older than the window.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    cfg: &ThrottleConfig,
    email: &str,
    ip: &str,
) -> Result<(), DbErr> {
    let now = db::now();
    login_failure::ActiveModel {
        email: Set(email.to_owned()),
        ip: Set(ip.to_owned()),
        failed_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    login_failure::Entity::delete_many().filter(login_failure::Column::FailedAt.lt(now - cfg.window)).exec(db).await?;
    Ok(())
}

/// A successful sign-in clears the account's failures (not the address's: one right
/// password must not unlock guessing at other accounts).
pub async fn clear_account(db: &impl ConnectionTrait, email: &str) -> Result<(), DbErr> {
    login_failure::Entity::delete_many().filter(login_failure::Column::Email.eq(email)).exec(db).await?;
    Ok(())
}
