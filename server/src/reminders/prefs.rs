//! Each person's say over what reaches them: kinds of message turned off, quiet hours in
//! their time zone (`GET|PUT /api/v1/me/notifications`), and the one-click unsubscribe
//! link (RFC 8058) each optional message carries.

use std::collections::HashMap;

use app::api::{
    ErrorBody,
    messages::{MessageKind, NotificationPrefs, QuietHours},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, sea_query::OnConflict};

use super::rule::Quiet;
use crate::{
    AppState,
    auth::{AnyRole, Auth},
    db::{
        self,
        entities::{notification_pref, unsubscribe_link},
    },
    error::ApiError,
};

/// A person's preferences as the planner uses them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefs {
    pub off: Vec<MessageKind>,
    pub quiet: Option<Quiet>,
}

impl Prefs {
    /// Fails closed: a row that can't be read is an error (never "everything on").
    fn from_row(row: &notification_pref::Model) -> Result<Prefs, ApiError> {
        let names: Vec<String> = serde_json::from_str(&row.off)
            .map_err(|e| ApiError::Internal(format!("notification preferences of {}: {e}", row.user_id)))?;
        let off = names
            .iter()
            .map(|n| {
                MessageKind::parse(n).ok_or_else(|| {
                    ApiError::Internal(format!("notification preferences of {}: unknown kind {n:?}", row.user_id))
                })
            })
            .collect::<Result<_, _>>()?;
        let quiet = match (row.quiet_from, row.quiet_to) {
            (Some(from), Some(to)) => Some(Quiet { from: from.clamp(0, 23) as u32, to: to.clamp(0, 23) as u32 }),
            _ => None,
        };
        Ok(Prefs { off, quiet })
    }

    /// Everyone's, by person (no row: the defaults).
    pub async fn all(db: &impl ConnectionTrait) -> Result<HashMap<i64, Prefs>, ApiError> {
        notification_pref::Entity::find()
            .all(db)
            .await?
            .iter()
            .map(|row| Ok((row.user_id, Prefs::from_row(row)?)))
            .collect()
    }

    /// One person's.
    pub async fn of(db: &impl ConnectionTrait, user_id: i64) -> Result<Prefs, ApiError> {
        match notification_pref::Entity::find_by_id(user_id).one(db).await? {
            Some(row) => Prefs::from_row(&row),
            None => Ok(Prefs::default()),
        }
    }

    fn wire(&self) -> NotificationPrefs {
        NotificationPrefs {
            off: self.off.clone(),
            quiet_hours: self.quiet.map(|q| QuietHours { from: q.from as u8, to: q.to as u8 }),
        }
    }

    async fn save(&self, db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
        let mut off: Vec<&str> = self.off.iter().map(|k| k.as_str()).collect();
        off.sort_unstable();
        off.dedup();
        let row = notification_pref::ActiveModel {
            user_id: Set(user_id),
            off: Set(serde_json::to_string(&off).expect("names serialize")),
            quiet_from: Set(self.quiet.map(|q| q.from as i16)),
            quiet_to: Set(self.quiet.map(|q| q.to as i16)),
            updated_at: Set(db::now()),
        };
        notification_pref::Entity::insert(row)
            .on_conflict(
                OnConflict::column(notification_pref::Column::UserId)
                    .update_columns([
                        notification_pref::Column::Off,
                        notification_pref::Column::QuietFrom,
                        notification_pref::Column::QuietTo,
                        notification_pref::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        Ok(())
    }
}

/// Checks what a person sent: only kinds one may turn off, hours that are hours.
fn parse(input: NotificationPrefs) -> Result<Prefs, ApiError> {
    for kind in &input.off {
        if !kind.optional() {
            return Err(ApiError::invalid(
                "off",
                format!("{} can't be turned off: it is how you sign in.", kind.label()),
            ));
        }
    }
    let quiet = match input.quiet_hours {
        None => None,
        Some(q) if q.from > 23 || q.to > 23 => {
            return Err(ApiError::invalid("quiet_hours", "Quiet hours are whole hours from 0 to 23."));
        }
        Some(q) if q.from == q.to => {
            return Err(ApiError::invalid("quiet_hours", "Quiet hours need to start and end at different hours."));
        }
        Some(q) => Some(Quiet { from: u32::from(q.from), to: u32::from(q.to) }),
    };
    Ok(Prefs { off: input.off, quiet })
}

/// The signed-in person's notification preferences. Roles: any.
#[utoipa::path(
    get, path = "/api/v1/me/notifications", tag = "messages",
    responses((status = 200, body = NotificationPrefs), (status = 401, description = "`unauthenticated`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn get_prefs(State(state): State<AppState>, auth: Auth<AnyRole>) -> Result<Json<NotificationPrefs>, ApiError> {
    Ok(Json(Prefs::of(&state.db, auth.user().id).await?.wire()))
}

/// Set which kinds of message reach the signed-in person (`off`: reminders, copies of
/// their people's overdue reminders, "done" notices; sign-in links can't be turned off)
/// and their quiet hours, whole hours in their time zone (`from` later than `to` spans
/// midnight). Roles: any.
#[utoipa::path(
    put, path = "/api/v1/me/notifications", tag = "messages",
    request_body = NotificationPrefs,
    responses(
        (status = 200, body = NotificationPrefs),
        (status = 422, description = "`invalid_input` (`field`: `off` or `quiet_hours`)", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn put_prefs(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Json(input): Json<NotificationPrefs>,
) -> Result<Json<NotificationPrefs>, ApiError> {
    let prefs = parse(input)?;
    prefs.save(&state.db, auth.user().id).await?;
    Ok(Json(Prefs::of(&state.db, auth.user().id).await?.wire()))
}

/// The person's unsubscribe link for a kind (made the first time it is needed).
pub async fn unsubscribe_url(
    db: &impl ConnectionTrait,
    base: &str,
    user_id: i64,
    kind: MessageKind,
) -> Result<String, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let row = unsubscribe_link::ActiveModel {
        token: Set(crate::auth::tokens::generate()),
        user_id: Set(user_id),
        kind: Set(kind.as_str().into()),
        created_at: Set(db::now()),
    };
    unsubscribe_link::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([unsubscribe_link::Column::UserId, unsubscribe_link::Column::Kind])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let link = unsubscribe_link::Entity::find()
        .filter(unsubscribe_link::Column::UserId.eq(user_id))
        .filter(unsubscribe_link::Column::Kind.eq(kind.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the unsubscribe link just made".into()))?;
    Ok(format!("{}/unsubscribe/{}", base.trim_end_matches('/'), link.token))
}

/// The link's person and kind, if it is one.
async fn link(db: &impl ConnectionTrait, token: &str) -> Result<Option<(i64, MessageKind)>, ApiError> {
    let Some(row) = unsubscribe_link::Entity::find_by_id(token.to_owned()).one(db).await? else { return Ok(None) };
    Ok(MessageKind::parse(&row.kind).map(|k| (row.user_id, k)))
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let esc = app::escape_html;
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{}</title><link rel=\"stylesheet\" \
         href=\"/pkg/primer.css\"></head><body><main class=\"auth-page\"><div class=\"card stack\">{body}</div>\
         </main></body></html>",
        esc(title)
    );
    (status, Html(html)).into_response()
}

/// `GET /unsubscribe/{token}`: asks before turning anything off (mail scanners open
/// links; only a POST changes anything).
pub async fn unsubscribe_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, ApiError> {
    let Some((_, kind)) = link(&state.db, &token).await? else {
        return Ok(page(StatusCode::NOT_FOUND, "Unsubscribe", "<h1>Unsubscribe</h1><p>This link isn't one Primer made.</p>"));
    };
    let label = app::escape_html(&kind.label().to_lowercase());
    let action = app::escape_html(&format!("/unsubscribe/{}", app::api::validate::path_segment(&token)));
    Ok(page(
        StatusCode::OK,
        "Unsubscribe",
        &format!(
            "<h1>Stop {label} email?</h1><p>Primer will stop sending you {label} email. You can turn it back on \
             under Account.</p><form method=\"post\" action=\"{action}\"><button type=\"submit\">Stop {label} \
             email</button></form>"
        ),
    ))
}

/// `POST /unsubscribe/{token}`: RFC 8058's one-click unsubscribe (a mail provider posts
/// `List-Unsubscribe=One-Click`, with no cookie), or the button on the page above.
pub async fn unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, ApiError> {
    let Some((user_id, kind)) = link(&state.db, &token).await? else {
        return Ok(page(StatusCode::NOT_FOUND, "Unsubscribe", "<h1>Unsubscribe</h1><p>This link isn't one Primer made.</p>"));
    };
    let txn = db::begin_write(&state.db).await?;
    let mut prefs = Prefs::of(&txn, user_id).await?;
    if !prefs.off.contains(&kind) {
        prefs.off.push(kind);
    }
    prefs.save(&txn, user_id).await?;
    sea_orm::TransactionTrait::commit(txn).await?;
    tracing::info!(user_id, kind = kind.as_str(), "unsubscribed");
    let label = app::escape_html(&kind.label().to_lowercase());
    Ok(page(
        StatusCode::OK,
        "Unsubscribed",
        &format!("<h1>Done</h1><p>Primer won't send you {label} email any more. You can turn it back on under Account.</p>"),
    ))
}
