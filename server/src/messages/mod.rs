//! Messages Primer sends people: email for now (see [`email`]).
//!
//! A message is a row in `messages`, queued in the same transaction as whatever asked
//! for it, under an **idempotency key** (who, why, which period): a second request with
//! that key adds nothing, so two servers never both send it. Sending is a job on the
//! queue (`jobs::Kind::Message`): claimed once across servers, retried with back-off when
//! the mail server is unreachable or says "try later", given up at once when it refuses
//! for good. The row is the log admins read (`GET /api/v1/admin/messages`): queued, sent
//! or failed, how many times it was handed over, and why the last try failed.
//!
//! Exactly once, nearly: an attempt is counted before the message is handed to the mail
//! server, and the message marked sent after. A server that stops between the two
//! (after the mail server took it, before the commit) leaves it queued; the next attempt
//! sends it again and logs that the first may have arrived. Nothing in SMTP lets a
//! sender ask whether a message went, so that one resend is the price of never losing one.
//!
//! A password link's token is made when its message is written, just before sending,
//! and only its hash is stored: the database never holds a usable link.

pub mod email;
pub mod letters;
pub mod push;

use app::api::{
    ErrorBody,
    messages::{MessageFilter, MessageKind, MessageState, SentMessage},
};
use axum::{
    Json,
    extract::{Query, State},
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use email::{Letter, MailConfig, Mailer, SendError};

use crate::{
    AppState,
    auth::{Admins, Auth, reset},
    db::{
        self,
        entities::{message, user},
    },
    error::ApiError,
    jobs::{self, JobError, queue::NewJob, runner::Work},
    reads::{Gate, Serve},
};
use app::reads;

/// The `/api/v1/admin/messages` route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_messages))
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Who, why, which period: a message whose key is there already is not added.
    pub key: String,
    pub user_id: i64,
    pub to_address: String,
    pub kind: MessageKind,
    /// The admin who asked for it.
    pub created_by: Option<i64>,
    /// What it is written from (a reminder's items); never a secret.
    pub payload: Option<serde_json::Value>,
    /// Not before then (the recipient's sending hour); `None`: now.
    pub send_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The job's input: which message to send.
#[derive(Debug, Serialize, Deserialize)]
struct SendJob {
    message: i64,
}

/// Sending is tried this many times (about 45 minutes of back-off) before it fails.
const SEND_ATTEMPTS: i32 = 6;

/// Queues a message and the job that sends it, in the caller's transaction. `None` if a
/// message with its key was there already (nothing is added).
pub async fn queue(db: &impl ConnectionTrait, new: NewMessage) -> Result<Option<i64>, DbErr> {
    let now = db::now();
    let row = message::ActiveModel {
        key: Set(new.key),
        user_id: Set(new.user_id),
        channel: Set("email".into()),
        kind: Set(new.kind.as_str().into()),
        to_address: Set(new.to_address),
        subject: Set(None),
        state: Set(MessageState::Queued.as_str().into()),
        attempts: Set(0),
        last_error: Set(None),
        payload: Set(new.payload.map_or_else(|| "{}".to_owned(), |p| p.to_string())),
        created_by: Set(new.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    };
    let added = message::Entity::insert(row).on_conflict_do_nothing_on([message::Column::Key]).exec(db).await?;
    let id = match added {
        sea_orm::TryInsertResult::Inserted(done) => done.last_insert_id,
        _ => return Ok(None),
    };
    let mut job =
        NewJob::new(jobs::Kind::Message, format!("message:{id}"), &SendJob { message: id }).attempts(SEND_ATTEMPTS);
    if let Some(at) = new.send_at {
        job = job.at(at);
    }
    jobs::queue::enqueue(db, job).await?;
    Ok(Some(id))
}

/// How many messages of these kinds went to a person since `since` (a throttle).
pub async fn count_since(
    db: &impl ConnectionTrait,
    user_id: i64,
    kinds: &[MessageKind],
    since: chrono::DateTime<chrono::Utc>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    message::Entity::find()
        .filter(message::Column::UserId.eq(user_id))
        .filter(message::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .filter(message::Column::CreatedAt.gte(since))
        .count(db)
        .await
}

/// How an attempt ended, short of an error.
enum Outcome {
    Sent,
    /// The recipient turned its kind off since it was queued.
    Withheld,
    /// Another attempt settled it first.
    Settled,
}

/// The job: writes the message and hands it to the mail server.
pub async fn send(work: &Work, job: &jobs::queue::Claimed) -> Result<(), JobError> {
    let SendJob { message: id } = serde_json::from_str(&job.payload)
        .map_err(|e| JobError::Permanent(format!("the job's payload can't be read: {e}")))?;
    let Some(row) = message::Entity::find_by_id(id).one(&work.db).await? else {
        return Ok(()); // Deleted with its person: nothing to send.
    };
    let state = MessageState::parse(&row.state)
        .ok_or_else(|| JobError::Permanent(format!("message {id} is in an unknown state {:?}", row.state)))?;
    if state != MessageState::Queued {
        // Sent or given up by an earlier attempt whose job wasn't recorded as done.
        return Ok(());
    }
    let Some(mailer) = work.mail.as_deref() else {
        // Servers without mail don't claim these jobs; one configured differently might.
        return Err(JobError::Transient("this server has no mail server configured (PRIMER_SMTP_URL)".into()));
    };
    let last_try = job.attempts >= job.max_attempts;
    let outcome = async {
        let person = user::Entity::find_by_id(row.user_id).one(&work.db).await?;
        let person = match person {
            Some(p) if p.active => p,
            _ => return Err(JobError::Permanent("the account was deactivated before the message went".into())),
        };
        let letter = match MessageKind::parse(&row.kind) {
            Some(kind @ (MessageKind::Invitation | MessageKind::PasswordReset)) => {
                // Made now, so only its hash is ever stored; each try makes a new one
                // (the last one sent is the one that works).
                let link =
                    reset::create_link(&work.db, &work.link_base, work.reset_link_ttl, person.id, row.created_by)
                        .await
                        .map_err(|e| JobError::Transient(format!("making the link: {e}")))?;
                let for_ = if kind == MessageKind::Invitation {
                    letters::LinkFor::Invitation
                } else {
                    letters::LinkFor::Reset
                };
                letters::password_link(for_, &person.name, &link.url, link.expires_at, &person.time_zone)
            }
            Some(
                kind @ (MessageKind::Reminder
                | MessageKind::OverdueCopy
                | MessageKind::Completed
                | MessageKind::Digest),
            ) => {
                // Turned off since it was queued (an unsubscribe link, the settings): it
                // doesn't go, and the log says why.
                if !crate::reminders::prefs::Prefs::of(&work.db, person.id)
                    .await
                    .map_err(|e| JobError::Transient(e.to_string()))?
                    .wants(kind)
                {
                    return Ok(Outcome::Withheld);
                }
                let planned: crate::reminders::Planned = serde_json::from_str(&row.payload)
                    .map_err(|e| JobError::Permanent(format!("message {id}'s payload can't be read: {e}")))?;
                let unsubscribe =
                    crate::reminders::prefs::unsubscribe_url(&work.db, &work.link_base, person.id, kind).await?;
                let about = planned.about.as_ref();
                let (about_name, about_id) = about.map_or(("", 0), |a| (a.name.as_str(), a.user_id));
                match kind {
                    MessageKind::Reminder => {
                        letters::reminder(&person.name, &planned.items, &work.link_base, &unsubscribe)
                    }
                    MessageKind::Digest => {
                        let digest = planned.digest.as_ref().ok_or_else(|| {
                            JobError::Permanent(format!("message {id} is a digest without its figures"))
                        })?;
                        letters::digest(&person.name, digest, &person.time_zone, &work.link_base, &unsubscribe)
                    }
                    // A manager's news about one of their people.
                    _ => {
                        let write =
                            if kind == MessageKind::OverdueCopy { letters::overdue_copy } else { letters::completed };
                        write(&person.name, about_name, about_id, &planned.items, &work.link_base, &unsubscribe)
                    }
                }
            }
            _ => return Err(JobError::Permanent(format!("message {id} is of an unknown kind {:?}", row.kind))),
        };
        // Counted before it is handed over: if this server stops after the mail server
        // took it, the next attempt knows this one may have arrived.
        let counted = message::Entity::update_many()
            .col_expr(message::Column::Attempts, Expr::col(message::Column::Attempts).add(1))
            .col_expr(message::Column::Subject, Expr::value(letter.subject.clone()))
            .col_expr(message::Column::ToAddress, Expr::value(person.email.clone()))
            .col_expr(message::Column::UpdatedAt, Expr::value(db::now()))
            .filter(message::Column::Id.eq(id))
            .filter(message::Column::State.eq(MessageState::Queued.as_str()))
            .exec(&work.db)
            .await?;
        if counted.rows_affected != 1 {
            return Ok(Outcome::Settled);
        }
        if row.attempts > 0 {
            tracing::warn!(
                message = id,
                earlier = row.attempts,
                "sending a message again: an earlier attempt may have been delivered (the server stopped before recording it)"
            );
        }
        mailer.send(&person.name, &person.email, &letter).await.map_err(|e| match e {
            SendError::Temporary(e) => JobError::Transient(e),
            SendError::Permanent(e) => JobError::Permanent(e),
        })?;
        Ok(Outcome::Sent)
    }
    .await;
    let now = db::now();
    let mark = message::Entity::update_many()
        .col_expr(message::Column::UpdatedAt, Expr::value(now))
        .filter(message::Column::Id.eq(id))
        .filter(message::Column::State.eq(MessageState::Queued.as_str()));
    match outcome {
        Ok(Outcome::Settled) => Ok(()),
        Ok(Outcome::Withheld) => {
            mark.col_expr(message::Column::State, Expr::value(MessageState::Withheld.as_str()))
                .col_expr(message::Column::LastError, Expr::value("The recipient turned this kind of email off."))
                .exec(&work.db)
                .await?;
            tracing::info!(message = id, kind = %row.kind, "message withheld: turned off since it was queued");
            Ok(())
        }
        Ok(Outcome::Sent) => {
            mark.col_expr(message::Column::State, Expr::value(MessageState::Sent.as_str()))
                .col_expr(message::Column::SentAt, Expr::value(now))
                .col_expr(message::Column::LastError, Expr::value(Option::<String>::None))
                .exec(&work.db)
                .await?;
            tracing::info!(message = id, kind = %row.kind, "message sent");
            Ok(())
        }
        Err(error) => {
            let gives_up = matches!(error, JobError::Permanent(_)) || last_try;
            let mut mark = mark.col_expr(message::Column::LastError, Expr::value(error.to_string()));
            if gives_up {
                mark = mark.col_expr(message::Column::State, Expr::value(MessageState::Failed.as_str()));
            }
            if let Err(e) = mark.exec(&work.db).await {
                tracing::warn!(message = id, error = %e, "could not record a message's failure");
            }
            Err(error)
        }
    }
}

/// What Primer sent, queued or failed to send, newest first. Roles: admin.
#[utoipa::path(
    get, path = "/api/v1/admin/messages", tag = "messages",
    params(MessageFilter),
    responses((status = 200, body = Vec<SentMessage>), (status = 403, description = "`forbidden`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn list_messages(
    State(state): State<AppState>,
    _who: Gate<reads::Messages>,
    Query(filter): Query<MessageFilter>,
) -> Result<Json<Vec<SentMessage>>, ApiError> {
    Ok(Json(list(&state.db, &filter).await?))
}

/// The page's read: the route without filters.
impl Serve for reads::Messages {
    type Access = Auth<Admins>;
    async fn serve(self, state: &AppState, _: Auth<Admins>) -> Result<Vec<SentMessage>, ApiError> {
        list(&state.db, &MessageFilter::default()).await
    }
}

/// The admins' log.
pub async fn list(db: &impl ConnectionTrait, filter: &MessageFilter) -> Result<Vec<SentMessage>, ApiError> {
    let mut query = message::Entity::find().find_also_related(user::Entity);
    if let Some(state) = filter.state {
        query = query.filter(message::Column::State.eq(state.as_str()));
    }
    let rows = query
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .limit(u64::from(filter.limit.unwrap_or(100).clamp(1, 500)))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(m, person)| {
            // Fail closed: a row this version can't read is an error, not a guess.
            let state = MessageState::parse(&m.state)
                .ok_or_else(|| ApiError::Internal(format!("message {} has an unknown state {:?}", m.id, m.state)))?;
            Ok(SentMessage {
                id: m.id,
                kind: MessageKind::parse(&m.kind).unwrap_or(MessageKind::Unknown),
                channel: m.channel,
                user_id: m.user_id,
                to_name: person.map(|p| p.name).unwrap_or_default(),
                to_address: m.to_address,
                subject: m.subject,
                state,
                attempts: m.attempts,
                last_error: m.last_error,
                created_at: m.created_at,
                sent_at: m.sent_at,
            })
        })
        .collect()
}
