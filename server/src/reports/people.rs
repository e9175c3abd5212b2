//! Per person readiness: required items done, overdue and due soon (by onboarding tier),
//! certifications, the latest quiz, and how fresh their data is (last sync).
//!
//! People are read in one pass, ordered by id, each with their progress rows, and each
//! person's row is made as soon as it has been read: the catalog's content
//! and the scope's certificates are loaded once, so memory doesn't grow with the number
//! of people and a CSV export can stream.

use std::collections::HashMap;

use app::api::{
    CertificateStatus, DUE_SOON_DAYS, DueItem, HeldCertification, ItemState, ModuleKind, ModuleProgress, PersonItem,
    PersonReadiness, PersonReport, QuizResult, Tier, TierProgress, User,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use futures_util::StreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement,
    sea_query::{Expr, Query},
};
use tokio::sync::mpsc;

use super::Scope;
use crate::{
    db::entities::{certificate, module_progress, sync_device, user},
    error::ApiError,
    modules::catalog::Content,
};

/// One person in scope, with their progress rows packed into one JSON array by the
/// database (see [`people`]).
#[derive(Debug, FromQueryResult)]
pub(super) struct Person {
    pub id: i64,
    name: String,
    email: String,
    job_role: Option<String>,
    team_id: Option<i64>,
    time_zone: String,
    start_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    /// `[[module_id, completed_at, last_completed_at, best_score, attempts, rating,
    /// last_activity_at], ...]`.
    progress: String,
}

/// One progress row as [`people`] packs it. Times stay text until read:
/// chrono's strict RFC 3339 parser is several times faster than its relaxed `FromStr`.
type PackedRow<'a> = (i64, Option<&'a str>, Option<&'a str>, Option<i32>, i32, Option<i32>, &'a str);

/// A time as the database wrote it into JSON: RFC 3339 (SQLite stores it so; PostgreSQL's
/// JSON writes `timestamptz` so), or anything else chrono reads.
fn packed_time(text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| text.parse::<DateTime<chrono::FixedOffset>>())
        .map(|t| t.to_utc())
        .map_err(|e| ApiError::Internal(format!("a progress time {text:?}: {e}")))
}

/// Everything a person's row is made from that isn't theirs alone.
pub struct Shared {
    pub content: Content,
    pub team_names: HashMap<i64, String>,
    /// Certificates of the people in scope, by person.
    pub(super) certificates: HashMap<i64, Vec<certificate::Model>>,
    /// When each person in scope last synced (the people report only).
    last_sync: HashMap<i64, DateTime<Utc>>,
    /// Quiz titles, by module id.
    quizzes: HashMap<i64, String>,
    pub now: DateTime<Utc>,
}

impl Shared {
    /// What the module report needs.
    pub async fn load(db: &impl ConnectionTrait, scope: &Scope) -> Result<Shared, ApiError> {
        let content = Content::load(db).await?;
        let mut certificates: HashMap<i64, Vec<certificate::Model>> = HashMap::new();
        for c in
            certificate::Entity::find().filter(certificate::Column::UserId.in_subquery(scope.ids())).all(db).await?
        {
            certificates.entry(c.user_id).or_default().push(c);
        }
        let quizzes = content
            .published
            .iter()
            .filter(|(m, ..)| m.kind == ModuleKind::Quiz.as_str())
            .map(|(m, v, _)| (m.id, v.title.clone()))
            .collect();
        Ok(Shared {
            content,
            team_names: scope.team_names.clone(),
            certificates,
            last_sync: HashMap::new(),
            quizzes,
            now: crate::db::now(),
        })
    }

    /// What the people report needs: the module report's, and when each person last
    /// synced.
    pub async fn load_with_sync(db: &impl ConnectionTrait, scope: &Scope) -> Result<Shared, ApiError> {
        let mut shared = Shared::load(db, scope).await?;
        shared.last_sync = sync_device::Entity::find()
            .select_only()
            .column(sync_device::Column::UserId)
            .column_as(sync_device::Column::LastSyncAt.max(), "last")
            .filter(sync_device::Column::UserId.in_subquery(scope.ids()))
            .group_by(sync_device::Column::UserId)
            .into_tuple::<(i64, DateTime<Utc>)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        Ok(shared)
    }
}

impl Person {
    /// Unpacks their progress rows.
    fn progress(&self) -> Result<Vec<ModuleProgress>, ApiError> {
        let rows: Vec<PackedRow> = serde_json::from_str(&self.progress)
            .map_err(|e| ApiError::Internal(format!("progress of person {}: {e}", self.id)))?;
        let small = |v: i32| v.clamp(0, 255) as u8;
        let time = |t: Option<&str>| t.map(packed_time).transpose();
        rows.into_iter()
            .map(|(module_id, completed_at, last_completed_at, best_score, attempts, rating, last_activity_at)| {
                Ok(ModuleProgress {
                    module_id,
                    completed_at: time(completed_at)?,
                    last_completed_at: time(last_completed_at)?,
                    completed_version: None,
                    best_score: best_score.map(small),
                    attempts: attempts.max(0) as u32,
                    rating: rating.map(small),
                    rated_at: None,
                    last_activity_at: packed_time(last_activity_at)?,
                })
            })
            .collect()
    }

    /// The person as assignments see them.
    pub(super) fn user(&self) -> User {
        // What assignments look at; the rest doesn't matter here.
        User {
            id: self.id,
            email: self.email.clone(),
            name: self.name.clone(),
            role: app::api::Role::Learner,
            job_role: self.job_role.clone(),
            team_id: self.team_id,
            team: None,
            manages: Vec::new(),
            time_zone: self.time_zone.clone(),
            start_date: self.start_date,
            active: true,
            has_password: true,
            created_at: self.created_at,
            hide_from_leaderboards: false,
        }
    }

    /// Their start date, or the day their account was made.
    pub(super) fn start(&self) -> NaiveDate {
        self.start_date.unwrap_or_else(|| self.created_at.date_naive())
    }
}

/// The quizzes a person answered, as their progress rows say.
fn quiz_results<'a>(shared: &'a Shared, rows: &'a [ModuleProgress]) -> impl Iterator<Item = QuizResult> + 'a {
    rows.iter().filter(|r| r.attempts > 0).filter_map(|r| {
        Some(QuizResult {
            module_id: r.module_id,
            title: shared.quizzes.get(&r.module_id)?.clone(),
            best_score: r.best_score.unwrap_or(0),
            attempts: r.attempts,
            passed: r.completed_at.is_some(),
            at: r.last_activity_at,
        })
    })
}

/// Works out one person's row from their progress rows.
fn readiness(shared: &Shared, person: &Person, rows: &[ModuleProgress]) -> PersonReadiness {
    let user = person.user();
    let held = shared.certificates.get(&person.id).map(Vec::as_slice).unwrap_or_default();
    let (assigned, _) = shared.content.assigned_to(&user, held, shared.now);
    let today = crate::accounts::date_in(&person.time_zone, shared.now);
    let start = person.start();
    let progress: HashMap<i64, &ModuleProgress> = rows.iter().map(|r| (r.module_id, r)).collect();

    let mut tiers: HashMap<Tier, (u32, u32)> = HashMap::new();
    let (mut done_count, mut total) = (0, 0);
    let (mut overdue, mut due_soon) = (Vec::new(), Vec::new());
    for (m, version, _) in &shared.content.published {
        let Some(a) = assigned.get(&m.id).filter(|a| a.required) else { continue };
        let done = progress.get(&m.id).is_some_and(|r| r.completed_since(a.since).is_some());
        total += 1;
        let tier = Tier::of(a.due_date.map(|d| (d - start).num_days()));
        let entry = tiers.entry(tier).or_default();
        entry.1 += 1;
        if done {
            done_count += 1;
            entry.0 += 1;
            continue;
        }
        let item = DueItem { module_id: m.id, title: version.title.clone(), due_date: a.due_date };
        match a.due_date {
            Some(d) if d < today => overdue.push(item),
            Some(d) if d <= today + TimeDelta::days(DUE_SOON_DAYS) => due_soon.push(item),
            _ => {}
        }
    }
    overdue.sort_by_key(|i| (i.due_date, i.module_id));
    due_soon.sort_by_key(|i| (i.due_date, i.module_id));

    let mut certifications: Vec<HeldCertification> = certificate::newest_per_certification(held)
        .into_values()
        .map(|c| HeldCertification {
            certification_id: c.certification_id,
            // Its title now (it may have been renamed since).
            title: shared
                .content
                .certifications
                .get(&c.certification_id)
                .map_or_else(|| c.certification_title.clone(), |now| now.title.clone()),
            status: CertificateStatus::at(c.expires_at, shared.now),
            expires_at: c.expires_at,
        })
        .collect();
    certifications.sort_by(|a, b| a.title.cmp(&b.title));

    let latest_quiz = quiz_results(shared, rows).max_by_key(|q| (q.at, q.module_id));

    PersonReadiness {
        user_id: person.id,
        name: person.name.clone(),
        email: person.email.clone(),
        team_id: person.team_id,
        team: person.team_id.and_then(|t| shared.team_names.get(&t).cloned()),
        job_role: person.job_role.clone(),
        start_date: person.start_date,
        required_done: done_count,
        required_total: total,
        overdue,
        due_soon,
        tiers: Tier::ALL
            .into_iter()
            .filter_map(|t| tiers.get(&t).map(|(done, total)| TierProgress { tier: t, done: *done, total: *total }))
            .collect(),
        certifications,
        latest_quiz,
        last_activity_at: rows.iter().map(|r| r.last_activity_at).max(),
        last_sync_at: shared.last_sync.get(&person.id).copied(),
    }
}

/// Every module assigned to one person (required and suggested), where each stands,
/// overdue first; and every quiz they answered, newest first.
fn items_and_quizzes(shared: &Shared, person: &Person, rows: &[ModuleProgress]) -> (Vec<PersonItem>, Vec<QuizResult>) {
    let user = person.user();
    let held = shared.certificates.get(&person.id).map(Vec::as_slice).unwrap_or_default();
    let (assigned, _) = shared.content.assigned_to(&user, held, shared.now);
    let today = crate::accounts::date_in(&person.time_zone, shared.now);
    let progress: HashMap<i64, &ModuleProgress> = rows.iter().map(|r| (r.module_id, r)).collect();
    let mut items: Vec<PersonItem> = shared
        .content
        .published
        .iter()
        .filter_map(|(m, version, _)| {
            let a = assigned.get(&m.id)?;
            let completed_at = progress.get(&m.id).and_then(|r| r.completed_since(a.since));
            let state = match (completed_at, a.due_date) {
                (Some(_), _) => ItemState::Done,
                (None, Some(d)) if a.required && d < today => ItemState::Overdue,
                (None, Some(d)) if a.required && d <= today + TimeDelta::days(DUE_SOON_DAYS) => ItemState::DueSoon,
                _ => ItemState::ToDo,
            };
            Some(PersonItem {
                module_id: m.id,
                title: version.title.clone(),
                // An unreadable kind shows as one this version doesn't know.
                kind: ModuleKind::parse(&m.kind).unwrap_or(ModuleKind::Unknown),
                required: a.required,
                due_date: a.due_date,
                state,
                completed_at,
            })
        })
        .collect();
    items.sort_by(|a, b| {
        (a.state, !a.required, a.due_date.is_none(), a.due_date, a.title.to_lowercase()).cmp(&(
            b.state,
            !b.required,
            b.due_date.is_none(),
            b.due_date,
            b.title.to_lowercase(),
        ))
    });
    let mut quizzes: Vec<QuizResult> = quiz_results(shared, rows).collect();
    quizzes.sort_by_key(|q| std::cmp::Reverse((q.at, q.module_id)));
    (items, quizzes)
}

/// One person's report (`scope` holding just them), if they are in it.
pub async fn person(db: &DatabaseConnection, scope: &Scope, shared: &Shared) -> Result<Option<PersonReport>, ApiError> {
    let mut people = People::read(db, scope, None).await?;
    let Some((person, progress)) = people.next().await? else { return Ok(None) };
    let (items, quizzes) = items_and_quizzes(shared, &person, &progress);
    Ok(Some(PersonReport { generated_at: shared.now, person: readiness(shared, &person, &progress), items, quizzes }))
}

/// The columns of [`Person`] read from `users`.
const PERSON_COLUMNS: [user::Column; 8] = [
    user::Column::Id,
    user::Column::Name,
    user::Column::Email,
    user::Column::JobRole,
    user::Column::TeamId,
    user::Column::TimeZone,
    user::Column::StartDate,
    user::Column::CreatedAt,
];

/// The people in scope with their progress, ordered by person: one row per person, their
/// progress rows aggregated into one JSON array by the database. On SQLite that is an
/// order of magnitude faster than a row per (person, module), because every row crosses
/// from sqlx's worker thread on its own.
///
/// The people are sorted in a subquery and their progress aggregated over its rows, so
/// the database sorts only the people (PostgreSQL would otherwise sort the aggregated
/// arrays too, on disk, before sending the first row).
fn people(backend: DbBackend, scope: &Scope, only_module: Option<i64>) -> Statement {
    use module_progress::Column as P;
    use sea_orm::sea_query::{Alias, ExprTrait, Order};

    use crate::db::json;
    let person = Alias::new("person");
    let sorted = scope
        .filter(user::Entity::find().select_only().columns(PERSON_COLUMNS).order_by_asc(user::Column::Id))
        .into_query();

    let columns =
        [P::ModuleId, P::CompletedAt, P::LastCompletedAt, P::BestScore, P::Attempts, P::Rating, P::LastActivityAt]
            .map(|c| Expr::col((module_progress::Entity, c)));
    let mut progress = Query::select();
    progress
        .expr(json::array_of_rows(backend, json::array(backend, columns)))
        .from(module_progress::Entity)
        .and_where(Expr::col((module_progress::Entity, P::UserId)).equals((person.clone(), user::Column::Id)));
    if let Some(id) = only_module {
        progress.and_where(Expr::col((module_progress::Entity, P::ModuleId)).eq(id));
    }

    let mut query = Query::select();
    query
        .columns(PERSON_COLUMNS.map(|c| (person.clone(), c)))
        .expr_as(progress, "progress")
        .from_subquery(sorted, person.clone())
        .order_by((person, user::Column::Id), Order::Asc);
    backend.build(&query)
}

/// The people in scope with their progress rows, one person at a time, in id order,
/// read in one pass.
pub(super) struct People<'a> {
    rows: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Person, sea_orm::DbErr>> + Send + 'a>>,
}

impl<'a> People<'a> {
    /// With `only_module`, each person comes with that module's row only.
    pub(super) async fn read(
        db: &'a DatabaseConnection,
        scope: &Scope,
        only_module: Option<i64>,
    ) -> Result<People<'a>, ApiError> {
        let backend = db.get_database_backend();
        let rows = Person::find_by_statement(people(backend, scope, only_module)).stream(db).await?;
        Ok(People { rows: Box::pin(rows) })
    }

    /// The next person and their progress rows.
    pub(super) async fn next(&mut self) -> Result<Option<(Person, Vec<ModuleProgress>)>, ApiError> {
        let Some(person) = self.rows.next().await.transpose()? else { return Ok(None) };
        let progress = person.progress()?;
        Ok(Some((person, progress)))
    }
}

/// Streams each person's row in scope into `out`, by person id. Stops early if the
/// receiver is gone (the client went away).
///
/// `weekly`, if given, counts every person's completions per week as they are read
/// (everyone in scope, kept or not): the completions chart costs no query of its own.
pub async fn stream(
    db: &DatabaseConnection,
    scope: &Scope,
    shared: &Shared,
    keep: impl Fn(&PersonReadiness) -> bool,
    out: mpsc::Sender<Result<PersonReadiness, ApiError>>,
    mut weekly: Option<&mut super::charts::Weekly>,
) -> Result<(), ApiError> {
    let mut people = People::read(db, scope, None).await?;
    while let Some((person, progress)) = people.next().await? {
        if let Some(weekly) = weekly.as_deref_mut() {
            progress.iter().filter_map(|p| p.completed_at).for_each(|at| weekly.add(at));
        }
        let row = readiness(shared, &person, &progress);
        if keep(&row) && out.send(Ok(row)).await.is_err() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(progress: &str) -> Person {
        Person {
            id: 7,
            name: "Ana".into(),
            email: "ana@example.com".into(),
            job_role: None,
            team_id: None,
            time_zone: "UTC".into(),
            start_date: None,
            created_at: DateTime::UNIX_EPOCH,
            progress: progress.to_string(),
        }
    }

    #[test]
    fn packed_progress_reads_as_each_database_writes_it() {
        // SQLite's stored text, then PostgreSQL's JSON of a `timestamptz` in another zone.
        let packed = r#"[[3,"2026-11-23T10:16:47.729845+00:00",null,80,2,4,"2026-11-23T10:16:47.729845+00:00"],
                         [5,null,"2026-11-24T01:00:00+02:00",null,0,null,"2026-11-24 01:00:00Z"]]"#;
        let rows = person(packed).progress().unwrap();
        assert_eq!(rows.len(), 2);
        let at = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(rows[0].module_id, 3);
        assert_eq!(rows[0].completed_at, Some(at("2026-11-23T10:16:47.729845Z")));
        assert_eq!((rows[0].best_score, rows[0].attempts, rows[0].rating), (Some(80), 2, Some(4)));
        assert_eq!(rows[1].last_completed_at, Some(at("2026-11-23T23:00:00Z")));
        assert_eq!((rows[1].completed_at, rows[1].attempts), (None, 0));
        assert_eq!(rows[1].last_activity_at, at("2026-11-24T01:00:00Z"));
    }

    #[test]
    fn no_progress_is_no_rows_and_bad_progress_is_an_error() {
        assert!(person("[]").progress().unwrap().is_empty());
        assert!(person(r#"[[1,"yesterday",null,null,0,null,"2026-11-23T10:00:00Z"]]"#).progress().is_err());
        assert!(person("[[1,").progress().is_err());
    }
}
