//! One-time links to set a password: how a new account gets its first password and how a
//! forgotten one is replaced. With email (`crate::messages`) the link is emailed, made as
//! its message is written; without, an admin hands it over.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, TransactionSession, TransactionTrait,
};

use super::{password, session, tokens};
use crate::{
    db::{
        self,
        entities::{password_reset, user},
    },
    error::ApiError,
};

/// A link just made. The token in `url` exists nowhere else: only its hash is stored.
#[derive(Debug, Clone)]
pub struct Link {
    pub url: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// An earlier link of the person's was still usable, and no longer works.
    pub replaced_earlier: bool,
}

/// Whether the person has a link that still works (a new one would replace it).
pub async fn has_usable_link(db: &impl ConnectionTrait, user_id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(password_reset::Entity::find()
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(db::now()))
        .count(db)
        .await?
        > 0)
}

/// Makes a new link for a user; earlier unused links of that user stop working.
pub async fn create_link(
    db: &impl ConnectionTrait,
    base_url: &str,
    ttl: Duration,
    user_id: i64,
    created_by: Option<i64>,
) -> Result<Link, ApiError> {
    // Earlier links still usable stop working (an expired one was already useless).
    let replaced_earlier = has_usable_link(db, user_id).await?;
    password_reset::Entity::delete_many()
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let token = tokens::generate();
    let now = db::now();
    let expires_at = now + ttl;
    password_reset::ActiveModel {
        token_hash: Set(tokens::digest(&token)),
        user_id: Set(user_id),
        created_by: Set(created_by),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(Link { url: format!("{}/reset/{token}", base_url.trim_end_matches('/')), expires_at, replaced_earlier })
}

/// The account a link is for, if the link is still usable.
pub async fn check(db: &impl ConnectionTrait, token: &str) -> Result<user::Model, ApiError> {
    let found = password_reset::Entity::find_by_id(tokens::digest(token))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(db::now()))
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    match found {
        Some((_, Some(user))) if user.active => Ok(user),
        _ => Err(ApiError::InvalidResetLink),
    }
}

/// Sets the password through a link, once: marks the link used and ends every session
/// of the account (whoever had the old password is signed out).
pub async fn use_link<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    hasher: &password::Hasher,
    token: &str,
    new_password: &str,
) -> Result<user::Model, ApiError> {
    let new_password = app::api::validate::new_password("password", new_password)?;
    // Check before the slow hash, and again inside the transaction.
    check(db, token).await?;
    let hash = hasher.hash(new_password).await?;
    let txn = crate::db::begin_write(db).await?;
    let account = check(&txn, token).await?;
    let now = db::now();
    let marked = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
        .filter(password_reset::Column::TokenHash.eq(tokens::digest(token)))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        // Someone used it a moment ago.
        return Err(ApiError::InvalidResetLink);
    }
    let mut active = account.into_active_model();
    active.password_hash = Set(Some(hash));
    active.updated_at = Set(now);
    let account = active.update(&txn).await?;
    session::end_all_for_user(&txn, account.id, None).await?;
    txn.commit().await?;
    Ok(account)
}

/// Deletes links that expired more than a week ago (housekeeping); used links go with
/// them, since a used link has served its purpose.
pub async fn purge_stale(db: &impl ConnectionTrait) -> Result<u64, sea_orm::DbErr> {
    Ok(password_reset::Entity::delete_many()
        .filter(password_reset::Column::ExpiresAt.lt(db::now() - chrono::TimeDelta::days(7)))
        .exec(db)
        .await?
        .rows_affected)
}
