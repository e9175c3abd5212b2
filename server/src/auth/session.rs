//! Sessions: a random token in an `HttpOnly` cookie, its hash in the database. Sessions
//! slide: each use (at most once an hour) pushes the expiry out again.

use std::time::Duration;

use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};

use super::tokens;
use crate::db::{
    self,
    entities::{session, user},
};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "primer_session";

/// How stale `last_seen_at` may get before a request refreshes it (and the expiry).
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// A session just created: the token goes into the cookie, never into the database.
pub struct NewSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Starts a session for a user.
pub async fn start(
    db: &impl ConnectionTrait,
    user_id: i64,
    ttl: Duration,
    user_agent: Option<String>,
    ip: Option<String>,
) -> Result<NewSession, sea_orm::DbErr> {
    let token = tokens::generate();
    let now = db::now();
    let expires_at = now + ttl;
    session::ActiveModel {
        token_hash: Set(tokens::digest(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(300).collect())),
        ip: Set(ip),
    }
    .insert(db)
    .await?;
    Ok(NewSession { token, expires_at })
}

/// The active user behind a session token, if the session is live, with the session as
/// it now stands. Refreshes the session's expiry when it has not been refreshed for a
/// while.
pub async fn resolve(
    db: &impl ConnectionTrait,
    token: &str,
    ttl: Duration,
) -> Result<Option<(session::Model, user::Model)>, sea_orm::DbErr> {
    let now = db::now();
    let found = session::Entity::find_by_id(tokens::digest(token))
        .filter(session::Column::ExpiresAt.gt(now))
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    let Some((session, Some(user))) = found else { return Ok(None) };
    if !user.active {
        return Ok(None);
    }
    let mut session = session;
    if now - session.last_seen_at > TOUCH_EVERY {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(session::Column::ExpiresAt, Expr::value(now + ttl))
            .filter(session::Column::TokenHash.eq(session.token_hash.clone()))
            .exec(db)
            .await?;
        session.last_seen_at = now;
        session.expires_at = now + ttl;
    }
    Ok(Some((session, user)))
}

/// Ends one session.
pub async fn end(db: &impl ConnectionTrait, token: &str) -> Result<(), sea_orm::DbErr> {
    session::Entity::delete_many().filter(session::Column::TokenHash.eq(tokens::digest(token))).exec(db).await?;
    Ok(())
}

/// Ends every session of a user, except optionally one (the one making the change).
pub async fn end_all_for_user(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep_token_hash: Option<&str>,
) -> Result<u64, sea_orm::DbErr> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep_token_hash {
        delete = delete.filter(session::Column::TokenHash.ne(keep));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// Deletes expired sessions (housekeeping).
pub async fn purge_expired(db: &impl ConnectionTrait) -> Result<u64, sea_orm::DbErr> {
    Ok(session::Entity::delete_many().filter(session::Column::ExpiresAt.lte(db::now())).exec(db).await?.rows_affected)
}

/// The cookie that carries a session. `HttpOnly` (no script can read it), `SameSite=Lax`
/// (not sent on cross-site posts), `Secure` when served over https, and persistent, so a
/// phone stays signed in across restarts.
pub fn cookie(token: String, ttl: Duration, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE_NAME, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(ttl.as_secs() as i64))
        .build()
}

/// A cookie that makes the browser forget the session.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut c =
        Cookie::build((COOKIE_NAME, "")).path("/").http_only(true).same_site(SameSite::Lax).secure(secure).build();
    c.make_removal();
    c
}

/// The session token in a request's cookies, if any.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    axum_extra::extract::CookieJar::from_headers(headers)
        .get(COOKIE_NAME)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}
