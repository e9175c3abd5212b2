//! Reminders and escalation: Primer follows up by itself.
//!
//! Every 5 minutes a tick (`jobs::Kind::Reminders`, one run per period across servers)
//! works out what is due ([`plan::plan`]) and queues it as messages (`crate::messages`):
//! - **Required items with a due date**: a reminder before the due date (2 days by
//!   default), then on overdue days 1, 4, 7, 14 and 30, each step once. A person's items
//!   that reach a step on the same day go in one message, at their sending hour (9:00 by
//!   default) in their time zone, never in their quiet hours. Suggested items never remind.
//! - **Certificates**: in the same message, 30 and 7 days before one expires (the
//!   nearest reached) and on the day it does (for a week after, not later: a lapse from
//!   long ago isn't news). A renewal is a new certificate, reminded afresh.
//! - **Devices**: a phone or browser that hasn't synced for 7 days may hold records; it
//!   gets a line in the same message once a week, four times, then no more (a phone
//!   replaced would be nagged about for ever; the manager's digest keeps listing it).
//! - **Escalation**: from a person's second reminder about an item, each manager of their
//!   team gets a copy, in the manager's own sending window; once the item is done, each
//!   manager who was told hears so, once.
//! - **Weekly digest** to each manager, on the day and hour they chose (Monday 8:00 by
//!   default, their time zone): their teams' readiness, who is overdue, certificates
//!   expiring, reviews waiting, whose data is stale (`digest`). A week whose hour passed
//!   with the server down is skipped, not sent late on another day.
//! - Each step is written (`reminder_steps`) in the transaction that queues its message,
//!   and the message's key is made of its steps: two servers planning the same moment
//!   queue one message.
//!
//! `primer reminders preview --at TIME` prints what the planner finds due at that time,
//! to whom and why, without writing anything.

pub mod digest;
pub mod plan;
pub mod prefs;
pub mod rule;

use app::api::messages::MessageKind;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, TransactionSession, TransactionTrait,
    sea_query::OnConflict,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use plan::Planned;
pub use rule::Cadence;

use crate::{
    AppState,
    db::{self, entities::reminder_step},
    error::ApiError,
    messages::{self, NewMessage},
};

/// The `/api/v1/me/notifications` routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(prefs::get_prefs, prefs::put_prefs))
}

/// The tick: plans what is due at `now` and queues it. Returns how many messages were
/// queued (a plan another server queued first adds none).
pub async fn tick(db: &DatabaseConnection, cadence: &Cadence, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let planned = plan::plan(db, cadence, now).await?;
    let mut queued = 0;
    for p in planned {
        if write(db, &p).await? {
            queued += usize::from(p.send);
        }
    }
    Ok(queued)
}

/// Writes one planned message: its steps, then (if the recipient wants it) the message.
/// False if another server took these steps first.
async fn write<C: TransactionTrait + ConnectionTrait>(db: &C, p: &Planned) -> Result<bool, ApiError> {
    let txn = db::begin_write(db).await?;
    let now = db::now();
    for (user_id, item, step) in &p.steps {
        let row = reminder_step::ActiveModel {
            user_id: Set(*user_id),
            item: Set(item.clone()),
            step: Set(step.clone()),
            created_at: Set(now),
        };
        let added = reminder_step::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    reminder_step::Column::UserId,
                    reminder_step::Column::Item,
                    reminder_step::Column::Step,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        if added == 0 {
            // Taken by another server a moment ago: its message carries it.
            txn.rollback().await?;
            return Ok(false);
        }
    }
    if p.send {
        let payload = serde_json::to_value(p).map_err(|e| ApiError::Internal(format!("a planned message: {e}")))?;
        messages::queue(
            &txn,
            NewMessage {
                key: p.key(),
                user_id: p.to.user_id,
                to_address: p.to.email.clone(),
                kind: p.kind,
                created_by: None,
                payload: Some(payload),
                send_at: Some(p.send_at),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// One planned message in words, for `primer reminders preview`.
pub fn describe(p: &Planned) -> String {
    let when = messages::letters::local_time(p.send_at, &p.to.time_zone);
    let what = match p.kind {
        MessageKind::Reminder => "reminder".to_owned(),
        MessageKind::OverdueCopy => format!("copy of {}'s reminder", p.about.as_ref().map_or("", |a| a.name.as_str())),
        MessageKind::Completed => format!("{} is done", p.about.as_ref().map_or("", |a| a.name.as_str())),
        MessageKind::Digest => "weekly digest".to_owned(),
        other => other.label().to_lowercase(),
    };
    let mut out = format!(
        "{}  {what} to {} <{}>{}\n",
        when,
        p.to.name,
        p.to.email,
        if p.send { "" } else { "  (turned off: not sent, steps taken)" }
    );
    for item in &p.items {
        let title = match item.what {
            plan::What::Module { .. } => item.title.clone(),
            plan::What::Certificate { .. } => format!("certificate {}", item.title),
            plan::What::Device => "device".to_owned(),
        };
        out.push_str(&format!("    {title}: {}\n", messages::letters::item_words(item)));
    }
    if let Some(d) = &p.digest {
        out.push_str(&format!(
            "    {} teams, {} overdue, {} certificates expiring, {} reviews waiting, {} with stale data\n",
            d.teams.len(),
            d.overdue.count,
            d.expiring.count,
            d.reviews_waiting,
            d.stale.count
        ));
    }
    out
}
