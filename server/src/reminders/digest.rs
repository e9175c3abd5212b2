//! A manager's weekly digest: what `/team` and `/reviews` would show them, read when it is
//! planned and kept with the message (so what was sent is what the log holds).

use app::api::{CertificateStatus, Role, TeamFigures, User, by_team, is_stale};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::{
    error::ApiError,
    practice::reviews,
    reports::{self, PeopleQuery},
};

/// At most this many names in each list (the rest are counted): an email stays short.
pub const LISTED: usize = 10;

/// A person and what is said about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub user_id: i64,
    pub name: String,
    pub detail: String,
}

/// A list of people, the first [`LISTED`] of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct People {
    pub listed: Vec<Line>,
    /// How many in all.
    pub count: usize,
}

impl People {
    fn of(lines: Vec<Line>) -> People {
        let count = lines.len();
        People { listed: lines.into_iter().take(LISTED).collect(), count }
    }
}

/// The digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// When its figures were read.
    pub as_of: DateTime<Utc>,
    pub teams: Vec<TeamFigures>,
    /// People with required items overdue, most overdue first.
    pub overdue: People,
    /// Certificates expiring within 30 days, or expired and not renewed.
    pub expiring: People,
    /// Practice takes waiting for the manager's review.
    pub reviews_waiting: usize,
    /// People whose data is stale (no sync for 2 days, or never).
    pub stale: People,
}

/// Reads a manager's digest: their teams' readiness report, as `/team` shows it, and
/// the reviews waiting for them.
pub async fn read(db: &DatabaseConnection, manager: &User) -> Result<Digest, ApiError> {
    // The teams they manage, whatever their role: an admin who manages a team hears about
    // that team, not about everyone.
    let manager = &User { role: Role::Manager, ..manager.clone() };
    let report = reports::people_json(db, manager, PeopleQuery::default()).await?;
    let now = report.generated_at;
    let teams = by_team(&report.people);
    let mut overdue: Vec<(i64, Line)> = report
        .people
        .iter()
        .filter_map(|p| {
            let oldest = p.overdue.iter().filter_map(|i| i.due_date).min()?;
            let days = (now.date_naive() - oldest).num_days();
            let titles: Vec<&str> = p.overdue.iter().map(|i| i.title.as_str()).collect();
            let detail = match titles.as_slice() {
                [one] => format!("{one}, {}", days_words(days)),
                many => format!("{} items, the oldest {}: {}", many.len(), days_words(days), many.join(", ")),
            };
            Some((days, Line { user_id: p.user_id, name: p.name.clone(), detail }))
        })
        .collect();
    overdue.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.to_lowercase().cmp(&b.1.name.to_lowercase())));
    let mut expiring: Vec<(DateTime<Utc>, Line)> = report
        .people
        .iter()
        .flat_map(|p| {
            p.certifications.iter().filter_map(move |c| {
                let at = c.expires_at?;
                let detail = match c.status {
                    CertificateStatus::Expiring => format!("{}: expires {}", c.title, at.format("%a %-d %b")),
                    CertificateStatus::Expired => format!("{}: expired {}", c.title, at.format("%a %-d %b")),
                    _ => return None,
                };
                Some((at, Line { user_id: p.user_id, name: p.name.clone(), detail }))
            })
        })
        .collect();
    expiring.sort_by_key(|(at, _)| *at);
    let stale: Vec<Line> = report
        .people
        .iter()
        .filter(|p| is_stale(p.last_sync_at, now))
        .map(|p| Line { user_id: p.user_id, name: p.name.clone(), detail: app::api::sync_label(p.last_sync_at, now) })
        .collect();
    let reviews_waiting = reviews::waiting_for(db, manager).await?.len();
    Ok(Digest {
        as_of: now,
        teams,
        overdue: People::of(overdue.into_iter().map(|(_, l)| l).collect()),
        expiring: People::of(expiring.into_iter().map(|(_, l)| l).collect()),
        reviews_waiting,
        stale: People::of(stale),
    })
}

fn days_words(days: i64) -> String {
    if days == 1 { "1 day overdue".to_owned() } else { format!("{days} days overdue") }
}
