//! "Forgot your password?": a person asks, from the sign-in page, for a link to set a new
//! password, and it is emailed to the account's address.
//!
//! The answer is the same whether or not an account has the address (a stranger can't
//! use it to learn who works here), and so is the work done: each request is written
//! down (`link_requests`) before the account is looked up.
//! - **Per client address**: at most [`PER_ADDRESS`] requests an hour, counted whatever
//!   was asked for, so the limit says nothing about accounts either; beyond it 429
//!   `too_many_attempts` with `Retry-After`.
//! - **Per account**: at most [`PER_ACCOUNT`] links an hour are emailed, however many
//!   addresses ask; past that, requests are answered the same and send nothing, so
//!   nobody can fill someone's inbox.
//!
//! A deactivated account gets nothing (its link would not work).

use std::time::Duration;

use app::api::{messages::MessageKind, validate::Email};
use chrono::TimeDelta;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionSession,
};

use crate::{
    db::{
        self,
        entities::{link_request, user},
    },
    error::ApiError,
    messages::{self, NewMessage},
};

/// Requests one client address may make in [`WINDOW`].
pub const PER_ADDRESS: u64 = 10;
/// Links emailed to one account in [`WINDOW`].
pub const PER_ACCOUNT: u64 = 3;
/// The throttle window.
pub const WINDOW: TimeDelta = TimeDelta::hours(1);

/// Handles a request for `email` from `ip`. `Ok` says nothing about whether anything was
/// sent; `mail` is whether this Primer sends email at all.
pub async fn request<C: sea_orm::TransactionTrait + ConnectionTrait>(
    db: &C,
    mail: bool,
    email: &str,
    ip: &str,
) -> Result<(), ApiError> {
    if !mail {
        return Err(ApiError::MailNotConfigured);
    }
    let email = Email::parse(email)?.into_inner();
    let txn = db::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // A count and its insert are one step across servers.
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "LOCK TABLE link_requests IN SHARE ROW EXCLUSIVE MODE",
        ))
        .await?;
    }
    let now = db::now();
    let since = now - WINDOW;
    let from_here = link_request::Entity::find()
        .filter(link_request::Column::Ip.eq(ip))
        .filter(link_request::Column::RequestedAt.gt(since));
    if from_here.clone().count(&txn).await? >= PER_ADDRESS {
        // Allowed again when the oldest request counted leaves the window.
        let oldest = from_here
            .order_by_desc(link_request::Column::RequestedAt)
            .offset(PER_ADDRESS - 1)
            .one(&txn)
            .await?
            .map(|r| r.requested_at);
        let wait = oldest.map(|at| (at + WINDOW - now).to_std().unwrap_or_default()).unwrap_or_default();
        return Err(ApiError::TooManyLinkRequests { retry_after: wait.max(Duration::from_secs(1)) });
    }
    link_request::ActiveModel {
        email: Set(email.clone()),
        ip: Set(ip.to_owned()),
        requested_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let account = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&txn).await?;
    if let Some(account) = account.filter(|a| a.active) {
        let kinds = [MessageKind::PasswordReset, MessageKind::Invitation];
        if messages::count_since(&txn, account.id, &kinds, since).await? < PER_ACCOUNT {
            let kind =
                if account.password_hash.is_some() { MessageKind::PasswordReset } else { MessageKind::Invitation };
            messages::queue(
                &txn,
                NewMessage {
                    key: format!("password-link:{}:{}", account.id, uuid::Uuid::now_v7().simple()),
                    user_id: account.id,
                    to_address: account.email.clone(),
                    kind,
                    created_by: None,
                    payload: None,
                    send_at: None,
                },
            )
            .await?;
            tracing::info!(user_id = account.id, %ip, "password link asked for from the sign-in page");
        } else {
            tracing::info!(user_id = account.id, %ip, "password link asked for again: none sent (throttled)");
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Deletes requests older than the window (housekeeping).
pub async fn purge_stale(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    Ok(link_request::Entity::delete_many()
        .filter(link_request::Column::RequestedAt.lt(db::now() - WINDOW))
        .exec(db)
        .await?
        .rows_affected)
}
