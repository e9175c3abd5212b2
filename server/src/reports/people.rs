//! Per person readiness: required items done, overdue and due soon (by onboarding tier),
//! certifications, the latest quiz, and how fresh their data is (last sync).
//!
//! People are read in one pass, ordered by id, joined to their progress rows, and each
//! person's row is made as soon as their progress has been read: the catalog's content
//! and the scope's certificates are loaded once, so memory doesn't grow with the number
//! of people and a CSV export can stream.

use std::collections::HashMap;

use app::api::{
    CertificateStatus, DUE_SOON_DAYS, DueItem, HeldCertification, ModuleKind, ModuleProgress, PersonReadiness,
    QuizResult, Tier, TierProgress, User,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use futures_util::StreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
    sea_query::{Expr, IntoCondition},
};
use tokio::sync::mpsc;

use super::Scope;
use crate::{
    db::entities::{certificate, module_progress, sync_device, user},
    error::ApiError,
    modules::catalog::Content,
};

/// One person joined to one of their progress rows (or none).
#[derive(Debug, FromQueryResult)]
pub(super) struct Joined {
    pub id: i64,
    name: String,
    email: String,
    job_role: Option<String>,
    team_id: Option<i64>,
    time_zone: String,
    start_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    module_id: Option<i64>,
    completed_at: Option<DateTime<Utc>>,
    last_completed_at: Option<DateTime<Utc>>,
    best_score: Option<i32>,
    attempts: Option<i32>,
    rating: Option<i32>,
    last_activity_at: Option<DateTime<Utc>>,
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

impl Joined {
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

/// Works out one person's row from their progress rows.
fn readiness(shared: &Shared, person: &Joined, rows: &[ModuleProgress]) -> PersonReadiness {
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

    let latest_quiz = rows
        .iter()
        .filter(|r| r.attempts > 0)
        .filter_map(|r| {
            Some(QuizResult {
                module_id: r.module_id,
                title: shared.quizzes.get(&r.module_id)?.clone(),
                best_score: r.best_score.unwrap_or(0),
                attempts: r.attempts,
                passed: r.completed_at.is_some(),
                at: r.last_activity_at,
            })
        })
        .max_by_key(|q| (q.at, q.module_id));

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

/// The people in scope, joined to their progress, ordered by person.
fn joined(scope: &Scope, only_module: Option<i64>) -> sea_orm::Selector<sea_orm::SelectModel<Joined>> {
    use module_progress::Column as P;
    use sea_orm::sea_query::ExprTrait;
    let mut progress = module_progress::Relation::User.def().rev();
    if let Some(id) = only_module {
        // In the join, so people without a row for it are still read.
        progress = progress.on_condition(move |_, right| Expr::col((right, P::ModuleId)).eq(id).into_condition());
    }
    let query = user::Entity::find()
        .select_only()
        .columns([
            user::Column::Id,
            user::Column::Name,
            user::Column::Email,
            user::Column::JobRole,
            user::Column::TeamId,
            user::Column::TimeZone,
            user::Column::StartDate,
            user::Column::CreatedAt,
        ])
        .column(P::ModuleId)
        .column(P::CompletedAt)
        .column(P::LastCompletedAt)
        .column(P::BestScore)
        .column(P::Attempts)
        .column(P::Rating)
        .column(P::LastActivityAt)
        .join(JoinType::LeftJoin, progress)
        .order_by_asc(user::Column::Id);
    scope.filter(query).into_model::<Joined>()
}

/// The people in scope with their progress rows, one person at a time, in id order,
/// read in one pass.
pub(super) struct People<'a> {
    rows: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Joined, sea_orm::DbErr>> + Send + 'a>>,
    pending: Option<Joined>,
}

impl<'a> People<'a> {
    /// With `only_module`, each person comes with that module's row only.
    pub(super) async fn read(
        db: &'a DatabaseConnection,
        scope: &Scope,
        only_module: Option<i64>,
    ) -> Result<People<'a>, ApiError> {
        Ok(People { rows: Box::pin(joined(scope, only_module).stream(db).await?), pending: None })
    }

    /// The next person and their progress rows.
    pub(super) async fn next(&mut self) -> Result<Option<(Joined, Vec<ModuleProgress>)>, ApiError> {
        let mut progress: Vec<ModuleProgress> = Vec::new();
        let mut current = self.pending.take();
        let add = |row: &Joined, progress: &mut Vec<ModuleProgress>| {
            if let (Some(module_id), Some(last_activity_at)) = (row.module_id, row.last_activity_at) {
                let small = |v: i32| v.clamp(0, 255) as u8;
                progress.push(ModuleProgress {
                    module_id,
                    completed_at: row.completed_at,
                    last_completed_at: row.last_completed_at,
                    completed_version: None,
                    best_score: row.best_score.map(small),
                    attempts: row.attempts.unwrap_or(0).max(0) as u32,
                    rating: row.rating.map(small),
                    rated_at: None,
                    last_activity_at,
                });
            }
        };
        if let Some(first) = &current {
            add(first, &mut progress);
        }
        while let Some(row) = self.rows.next().await {
            let row = row?;
            match &current {
                Some(c) if c.id != row.id => {
                    self.pending = Some(row);
                    return Ok(current.map(|c| (c, progress)));
                }
                Some(_) => add(&row, &mut progress),
                None => {
                    add(&row, &mut progress);
                    current = Some(row);
                }
            }
        }
        Ok(current.map(|c| (c, progress)))
    }
}

/// Streams each person's row in scope into `out`, by person id. Stops early if the
/// receiver is gone (the client went away).
pub async fn stream(
    db: &DatabaseConnection,
    scope: &Scope,
    shared: &Shared,
    keep: impl Fn(&PersonReadiness) -> bool,
    out: mpsc::Sender<Result<PersonReadiness, ApiError>>,
) -> Result<(), ApiError> {
    let mut people = People::read(db, scope, None).await?;
    while let Some((person, progress)) = people.next().await? {
        let row = readiness(shared, &person, &progress);
        if keep(&row) && out.send(Ok(row)).await.is_err() {
            break;
        }
    }
    Ok(())
}
