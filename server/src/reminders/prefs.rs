//! Each person's say over what reaches them: kinds of message turned off, quiet hours in
//! their time zone, the day and hour of a manager's weekly digest
//! (`GET|PUT /api/v1/me/notifications`), and the one-click unsubscribe link (RFC 8058)
//! each optional message carries.

use std::collections::HashMap;

use app::api::{
    ErrorBody,
    messages::{DigestTime, MessageKind, NotificationPrefs, QuietHours, WEEKDAYS},
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
    /// When the weekly digest goes (to someone who manages a team).
    pub digest: DigestTime,
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
        let default = DigestTime::default();
        let digest = DigestTime {
            weekday: row.digest_weekday.map_or(default.weekday, |d| d.clamp(1, 7) as u8),
            hour: row.digest_hour.map_or(default.hour, |h| h.clamp(0, 23) as u8),
        };
        Ok(Prefs { off, quiet, digest })
    }

    /// Whether a kind reaches them.
    pub fn wants(&self, kind: MessageKind) -> bool {
        !self.off.contains(&kind)
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
            digest: Some(self.digest),
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
            digest_weekday: Set(Some(i16::from(self.digest.weekday))),
            digest_hour: Set(Some(i16::from(self.digest.hour))),
            updated_at: Set(db::now()),
        };
        notification_pref::Entity::insert(row)
            .on_conflict(
                OnConflict::column(notification_pref::Column::UserId)
                    .update_columns([
                        notification_pref::Column::Off,
                        notification_pref::Column::QuietFrom,
                        notification_pref::Column::QuietTo,
                        notification_pref::Column::DigestWeekday,
                        notification_pref::Column::DigestHour,
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
    let digest = input.digest.unwrap_or_default();
    if !(1..=7).contains(&digest.weekday) || digest.hour > 23 {
        return Err(ApiError::invalid(
            "digest",
            "The digest goes on a day from 1 (Monday) to 7 (Sunday), at a whole hour from 0 to 23.",
        ));
    }
    Ok(Prefs { off: input.off, quiet, digest })
}

/// The signed-in person's notification preferences. Roles: any.
#[utoipa::path(
    get, path = "/api/v1/me/notifications", tag = "messages",
    responses((status = 200, body = NotificationPrefs), (status = 401, description = "`unauthenticated`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn get_prefs(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
) -> Result<Json<NotificationPrefs>, ApiError> {
    Ok(Json(Prefs::of(&state.db, auth.user().id).await?.wire()))
}

/// Set which kinds of message reach the signed-in person (`off`: reminders, copies of
/// their people's overdue reminders, "done" notices, the weekly digest; sign-in links
/// can't be turned off), their quiet hours, whole hours in their time zone (`from` later
/// than `to` spans midnight), and when the weekly digest goes (to someone who manages a
/// team; left out: Monday, 8:00). Roles: any.
#[utoipa::path(
    put, path = "/api/v1/me/notifications", tag = "messages",
    request_body = NotificationPrefs,
    responses(
        (status = 200, body = NotificationPrefs),
        (status = 422, description = "`invalid_input` (`field`: `off`, `quiet_hours` or `digest`)", body = ErrorBody),
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
        return Ok(page(
            StatusCode::NOT_FOUND,
            "Unsubscribe",
            "<h1>Unsubscribe</h1><p>This link isn't one Primer made.</p>",
        ));
    };
    let label = app::escape_html(&kind.label().to_lowercase());
    let action = app::escape_html(&format!("/unsubscribe/{}", app::api::validate::path_segment(&token)));
    Ok(page(
        StatusCode::OK,
        "Unsubscribe",
        &format!(
            "<h1>Stop {label} email?</h1><p>Primer will stop sending you {label} email. You can turn it back on \
             under Account, Email notifications.</p><form method=\"post\" action=\"{action}\"><button type=\"submit\">Stop {label} \
             email</button></form>"
        ),
    ))
}

/// `POST /unsubscribe/{token}`: RFC 8058's one-click unsubscribe (a mail provider posts
/// `List-Unsubscribe=One-Click`, with no cookie), or the button on the page above.
pub async fn unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, ApiError> {
    let Some((user_id, kind)) = link(&state.db, &token).await? else {
        return Ok(page(
            StatusCode::NOT_FOUND,
            "Unsubscribe",
            "<h1>Unsubscribe</h1><p>This link isn't one Primer made.</p>",
        ));
    };
    let txn = db::begin_write(&state.db).await?;
    let mut prefs = Prefs::of(&txn, user_id).await?;
    if !prefs.off.contains(&kind) {
        prefs.off.push(kind);
    }
    prefs.save(&txn, user_id).await?;
    txn.commit().await?;
    tracing::info!(user_id, kind = kind.as_str(), "unsubscribed");
    let label = app::escape_html(&kind.label().to_lowercase());
    Ok(page(
        StatusCode::OK,
        "Unsubscribed",
        &format!(
            "<h1>Done</h1><p>Primer won't send you {label} email any more. You can turn it back on under <a href=\"/notifications\">Email notifications</a>.</p>"
        ),
    ))
}

/// The `/notifications` form's fields: a checkbox per kind kept on, quiet hours (`""`:
/// none), and the digest's day and hour.
#[derive(Debug, serde::Deserialize)]
pub struct PrefsForm {
    #[serde(default)]
    reminder: Option<String>,
    #[serde(default)]
    overdue_copy: Option<String>,
    #[serde(default)]
    completed: Option<String>,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    quiet_from: String,
    #[serde(default)]
    quiet_to: String,
    #[serde(default)]
    digest_weekday: String,
    #[serde(default)]
    digest_hour: String,
}

/// Whether the page shows a manager's kinds: to someone who manages a team (or may).
fn shows_managers_kinds(user: &app::api::User) -> bool {
    !user.manages.is_empty() || matches!(user.role, app::api::Role::Manager)
}

/// `GET /notifications`: the signed-in person's email settings, as a plain page (no
/// script: nothing of it is in the phone's app bundle).
pub async fn settings_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let Some(viewer) = crate::auth::viewer_from_headers(&state, &headers).await? else {
        return Ok(axum::response::Redirect::to("/login?next=%2Fnotifications").into_response());
    };
    let prefs = Prefs::of(&state.db, viewer.user.id).await?;
    let esc = app::escape_html;
    let manages = shows_managers_kinds(&viewer.user);
    let kinds: Vec<MessageKind> =
        MessageKind::ALL.into_iter().filter(|k| k.optional() && (manages || !k.for_managers())).collect();
    let boxes: String = kinds
        .iter()
        .map(|k| {
            let what = match k {
                MessageKind::Reminder => {
                    "Reminders: my required training before and after it is due, certificates before they \
                     expire, a phone that hasn't synced for a week"
                }
                MessageKind::OverdueCopy => "When someone on my team is overdue (from their second reminder)",
                MessageKind::Digest => "A weekly digest of my teams",
                _ => "When they have finished it",
            };
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"{}\" value=\"on\"{}> {}</label>",
                k.as_str(),
                if prefs.wants(*k) { " checked" } else { "" },
                esc(what)
            )
        })
        .collect();
    let select = |name: &str, options: &mut dyn Iterator<Item = (String, String)>, chosen: &str| {
        let options: String = options
            .map(|(value, label)| {
                format!(
                    "<option value=\"{value}\"{}>{}</option>",
                    if value == chosen { " selected" } else { "" },
                    esc(&label)
                )
            })
            .collect();
        format!("<select name=\"{name}\">{options}</select>")
    };
    let hour_options = |blank: bool| {
        blank
            .then(|| (String::new(), "—".to_owned()))
            .into_iter()
            .chain((0..24).map(|h| (h.to_string(), format!("{h:02}:00"))))
            .collect::<Vec<_>>()
    };
    let chosen = |h: Option<u32>| h.map(|h| h.to_string()).unwrap_or_default();
    let digest = if manages {
        format!(
            "<fieldset><legend>Weekly digest</legend><p class=\"muted small\">Readiness, who is overdue, \
             certificates expiring, reviews waiting and whose data is stale, for the teams you manage.</p>\
             <label>On {}</label> <label>at {}</label></fieldset>",
            select(
                "digest_weekday",
                &mut WEEKDAYS.iter().enumerate().map(|(i, d)| ((i + 1).to_string(), (*d).to_owned())),
                &prefs.digest.weekday.to_string()
            ),
            select("digest_hour", &mut hour_options(false).into_iter(), &prefs.digest.hour.to_string()),
        )
    } else {
        String::new()
    };
    let saved = if query.contains_key("saved") { "<p class=\"alert ok\" role=\"status\">Saved.</p>" } else { "" };
    let error = query
        .get("error")
        .map(|e| format!("<p class=\"alert error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    Ok(page(
        StatusCode::OK,
        "Email notifications",
        &format!(
            "<h1>Email notifications</h1>{saved}{error}<form method=\"post\" action=\"/notifications\" class=\"stack\">\
             <fieldset class=\"stack\"><legend>Email me</legend>{boxes}</fieldset>\
             <fieldset><legend>Quiet hours ({tz})</legend><p class=\"muted small\">Nothing is sent from the first \
             hour until the second.</p><label>From {from}</label> <label>until {to}</label></fieldset>{digest}\
             <button type=\"submit\">Save</button></form><p><a class=\"button secondary\" href=\"/account\">Back to Account</a></p>",
            tz = esc(&viewer.user.time_zone),
            from = select("quiet_from", &mut hour_options(true).into_iter(), &chosen(prefs.quiet.map(|q| q.from))),
            to = select("quiet_to", &mut hour_options(true).into_iter(), &chosen(prefs.quiet.map(|q| q.to))),
        ),
    ))
}

/// `POST /notifications`: saves the form, then back to it.
pub async fn save_settings(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    form: Result<axum::Form<PrefsForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let Some(viewer) = crate::auth::viewer_from_headers(&state, &headers).await? else {
        return Ok(axum::response::Redirect::to("/login?next=%2Fnotifications").into_response());
    };
    let back = |error: &str| {
        axum::response::Redirect::to(&format!("/notifications?error={}", app::api::validate::url_encode(error)))
            .into_response()
    };
    let Ok(axum::Form(form)) = form else { return Ok(back("That form couldn't be read.")) };
    // What the page didn't show (a manager's kinds and digest time, to someone who
    // manages no one) stays as it was.
    let manages = shows_managers_kinds(&viewer.user);
    let before = Prefs::of(&state.db, viewer.user.id).await?;
    let mut off = Vec::new();
    for (kind, on) in [
        (MessageKind::Reminder, &form.reminder),
        (MessageKind::OverdueCopy, &form.overdue_copy),
        (MessageKind::Completed, &form.completed),
        (MessageKind::Digest, &form.digest),
    ] {
        let shown = manages || !kind.for_managers();
        if (shown && on.is_none()) || (!shown && !before.wants(kind)) {
            off.push(kind);
        }
    }
    let hour = |s: &str| s.trim().parse::<u8>().ok();
    let quiet_hours = match (hour(&form.quiet_from), hour(&form.quiet_to)) {
        (Some(from), Some(to)) => Some(QuietHours { from, to }),
        _ => None,
    };
    let digest = match (hour(&form.digest_weekday), hour(&form.digest_hour)) {
        (Some(weekday), Some(hour)) if manages => DigestTime { weekday, hour },
        _ => before.digest,
    };
    match parse(NotificationPrefs { off, quiet_hours, digest: Some(digest) }) {
        Ok(prefs) => {
            prefs.save(&state.db, viewer.user.id).await?;
            Ok(axum::response::Redirect::to("/notifications?saved=1").into_response())
        }
        Err(e) => Ok(back(&e.to_string())),
    }
}
