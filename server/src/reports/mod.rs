//! Reports: who is ready (per person) and what the content is doing (per module and
//! path), as JSON for the pages and as CSV that streams, for the people a viewer is
//! responsible for: admins everyone, managers the teams they manage.

pub mod charts;
pub mod export;
pub mod insights;
pub mod modules;
pub mod people;
pub mod scope;

use std::collections::BTreeMap;

use app::api::{
    CHART_WEEKS, ErrorBody, ModuleInsights, ModulesReport, PeopleReport, PersonReadiness, PersonReport, User,
    WeekCount, is_stale,
};
use app::reads;
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use export::{MODULES_CSV_HEADER, PATHS_CSV_HEADER, PEOPLE_CSV_HEADER, defused, module_csv, path_csv, person_csv};
pub use scope::Scope;

use crate::{
    auth::{Auth, Authors, Managers, Staff},
    db::entities::module_progress,
    error::{ApiError, Json, Path, Query},
    reads::{Gate, Serve, respond},
    state::AppState,
};

/// `/api/v1/reports/...`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(people_report))
        .routes(routes!(person_report))
        .routes(routes!(modules_report))
        .routes(routes!(module_insights))
        .routes(routes!(completions_chart))
        .routes(routes!(readiness_chart))
        .routes(routes!(retention_report))
}

/// A report's answer: JSON, or CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

/// Filters of the people report.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Only this team (managers: one of theirs).
    pub team_id: Option<i64>,
    /// Only this job role.
    pub job_role: Option<String>,
    /// Only people with something overdue.
    #[serde(default)]
    pub overdue_only: bool,
    /// Only people whose data is stale (no sync for two days, or never).
    #[serde(default)]
    pub stale_only: bool,
    /// `json` (default) or `csv`.
    #[serde(default)]
    pub format: Format,
}

/// Rows in flight between the database reader and the response.
const ROWS_IN_FLIGHT: usize = 64;

/// The people report's rows, as they are worked out (by person id), from a task that
/// reads them; a failure comes last, as an error. Also when the report was made and its
/// scope (with the teams the viewer may filter by).
async fn people_rows(
    db: &DatabaseConnection,
    viewer: &User,
    query: PeopleQuery,
    weekly: Option<tokio::sync::oneshot::Sender<charts::Weekly>>,
) -> Result<(DateTime<Utc>, Scope, mpsc::Receiver<Result<PersonReadiness, ApiError>>), ApiError> {
    let scope = Scope::for_viewer(db, viewer, query.team_id, query.job_role).await?;
    let shared = people::Shared::load_with_sync(db, &scope).await?;
    let (now, kept) = (shared.now, scope.clone());
    let (tx, rx) = mpsc::channel(ROWS_IN_FLIGHT);
    let db = db.clone();
    let (overdue_only, stale_only) = (query.overdue_only, query.stale_only);
    tokio::spawn(async move {
        let keep = move |r: &PersonReadiness| {
            (!overdue_only || !r.overdue.is_empty()) && (!stale_only || is_stale(r.last_sync_at, now))
        };
        let mut counted = weekly.as_ref().map(|_| charts::Weekly::new(now.date_naive(), CHART_WEEKS));
        match people::stream(&db, &scope, &shared, keep, tx.clone(), counted.as_mut()).await {
            Ok(()) => {
                if let (Some(weekly), Some(counted)) = (weekly, counted) {
                    let _ = weekly.send(counted);
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e)).await;
            }
        }
    });
    Ok((now, kept, rx))
}

/// The people report as the pages read it, by name.
pub async fn people_json(db: &DatabaseConnection, viewer: &User, query: PeopleQuery) -> Result<PeopleReport, ApiError> {
    let (weekly_tx, weekly_rx) = tokio::sync::oneshot::channel();
    let (generated_at, scope, mut rows) = people_rows(db, viewer, query, Some(weekly_tx)).await?;
    let mut people = Vec::new();
    while let Some(row) = rows.recv().await {
        people.push(row?);
    }
    people.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.user_id.cmp(&b.user_id)));
    // Counted while the rows were read; the rows ended without an error, so it came.
    let weeks = weekly_rx.await.map_err(|_| ApiError::Internal("the weekly completions were not counted".into()))?;
    let completions_per_week =
        weeks.weeks().into_iter().map(|(week_of, completed)| WeekCount { week_of, completed }).collect();
    Ok(PeopleReport { generated_at, teams: scope.choices, people, completions_per_week })
}

/// Modules the people in scope completed per week, the last [`CHART_WEEKS`] weeks.
async fn weekly_completions(
    db: &impl ConnectionTrait,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Result<Vec<WeekCount>, ApiError> {
    let today = now.date_naive();
    let from = charts::week_of(today) - chrono::Days::new(7 * u64::from(CHART_WEEKS));
    let completed: Vec<DateTime<Utc>> = module_progress::Entity::find()
        .select_only()
        .column(module_progress::Column::CompletedAt)
        .filter(module_progress::Column::UserId.in_subquery(scope.ids()))
        .filter(module_progress::Column::CompletedAt.gte(from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(charts::weekly(completed, today, CHART_WEEKS)
        .into_iter()
        .map(|(week_of, completed)| WeekCount { week_of, completed })
        .collect())
}

/// One person's report, as the pages read it: 404 unless the viewer may see them (a
/// manager their teams' people, an admin everyone).
pub async fn person_json(db: &DatabaseConnection, viewer: &User, id: i64) -> Result<PersonReport, ApiError> {
    let mut scope = Scope::for_viewer(db, viewer, None, None).await?;
    scope.person = Some(id);
    let shared = people::Shared::load_with_sync(db, &scope).await?;
    people::person(db, &scope, &shared).await?.ok_or_else(|| ApiError::not_found("Person"))
}

/// One person's readiness with every item assigned to them (required and suggested,
/// overdue first) and every quiz they answered. Roles: managers (people of the teams they
/// manage; anyone else is 404) and admins (everyone).
#[utoipa::path(
    get, path = "/api/v1/reports/people/{id}", tag = "readiness",
    params(("id" = i64, Path, description = "The person's id")),
    responses(
        (status = 200, body = PersonReport),
        (status = 403, description = "`forbidden`: not your role", body = ErrorBody),
        (status = 404, description = "`not_found`: nobody you may see has this id", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn person_report(
    State(state): State<AppState>,
    who: Gate<reads::PersonReport>,
    Path(id): Path<i64>,
) -> Result<Json<PersonReport>, ApiError> {
    respond(&state, who, reads::PersonReport { id }).await
}

impl Serve for reads::PersonReport {
    type Access = Auth<Managers>;
    async fn serve(self, state: &AppState, who: Auth<Managers>) -> Result<PersonReport, ApiError> {
        person_json(&state.db, who.user(), self.id).await
    }
}

/// Readiness per person: required items done, overdue and due soon (per 30/60/90-day
/// tier), certifications, latest quiz, last activity and last sync. `?format=csv` streams
/// the same rows as CSV (in the order people were added). Roles: managers (the teams they
/// manage; 403 for another team) and admins (everyone).
#[utoipa::path(
    get, path = "/api/v1/reports/people", tag = "readiness",
    params(PeopleQuery),
    responses(
        (status = 200, body = PeopleReport, description = "JSON, or `text/csv` with `format=csv`"),
        (status = 403, description = "`forbidden`: not your team, or not your role", body = ErrorBody),
        (status = 404, description = "`not_found`: no such team", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn people_report(
    State(state): State<AppState>,
    who: Gate<reads::PeopleReport>,
    Query(query): Query<PeopleQuery>,
) -> Result<Response, ApiError> {
    if query.format == Format::Json {
        return Ok(axum::Json(people_json(&state.db, who.user(), query).await?).into_response());
    }
    let (now, _, rows) = people_rows(&state.db, who.user(), query, None).await?;
    let filename = format!("primer-people-{}.csv", now.date_naive());
    Ok(export::response(&filename, &PEOPLE_CSV_HEADER, rows, person_csv))
}

/// Which table of the module report a CSV export holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Table {
    #[default]
    Modules,
    Paths,
}

/// Filters of the module report.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModulesQuery {
    /// Only the people of this team (managers: one of theirs).
    pub team_id: Option<i64>,
    /// Only people with this job role.
    pub job_role: Option<String>,
    /// `json` (default: both tables) or `csv` (one table, see `table`).
    #[serde(default)]
    pub format: Format,
    /// The table a CSV export holds: `modules` (default) or `paths`.
    #[serde(default)]
    pub table: Table,
}

/// Rows already at hand, as a CSV export takes them.
fn rows<T: Send + 'static>(list: Vec<T>) -> mpsc::Receiver<Result<T, ApiError>> {
    let (tx, rx) = mpsc::channel(ROWS_IN_FLIGHT);
    tokio::spawn(async move {
        for row in list {
            if tx.send(Ok(row)).await.is_err() {
                break;
            }
        }
    });
    rx
}

/// The module report as the pages read it.
pub async fn modules_json(
    db: &DatabaseConnection,
    viewer: &User,
    query: &ModulesQuery,
) -> Result<ModulesReport, ApiError> {
    let scope = Scope::for_viewer(db, viewer, query.team_id, query.job_role.clone()).await?;
    let shared = people::Shared::load(db, &scope).await?;
    modules::figures(db, &scope, &shared).await
}

/// Per module and per learning path, for the people in scope: assigned, started,
/// completed, completion rate (completed among those it is assigned to), median time to
/// complete, average score, the quiz question most often missed, and the rating.
/// `?format=csv&table=modules|paths` gives one table as CSV. Roles: managers (their
/// teams; 403 for another), authors and admins (everyone).
#[utoipa::path(
    get, path = "/api/v1/reports/modules", tag = "readiness",
    params(ModulesQuery),
    responses(
        (status = 200, body = ModulesReport, description = "JSON, or `text/csv` with `format=csv`"),
        (status = 403, description = "`forbidden`: not your team, or not your role", body = ErrorBody),
        (status = 404, description = "`not_found`: no such team", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn modules_report(
    State(state): State<AppState>,
    who: Gate<reads::ModulesReport>,
    Query(query): Query<ModulesQuery>,
) -> Result<Response, ApiError> {
    let report = modules_json(&state.db, who.user(), &query).await?;
    if query.format == Format::Json {
        return Ok(axum::Json(report).into_response());
    }
    let day = report.generated_at.date_naive();
    // A row per module or path: few enough to hold; the same writer as the big exports.
    Ok(match query.table {
        Table::Modules => export::response(
            &format!("primer-modules-{day}.csv"),
            &MODULES_CSV_HEADER,
            rows(report.modules),
            module_csv,
        ),
        Table::Paths => {
            export::response(&format!("primer-paths-{day}.csv"), &PATHS_CSV_HEADER, rows(report.paths), path_csv)
        }
    })
}

/// One published module's insights as the pages read them: everyone's records.
pub async fn insights_json(db: &DatabaseConnection, viewer: &User, module_id: i64) -> Result<ModuleInsights, ApiError> {
    let scope = Scope::for_viewer(db, viewer, None, None).await?;
    let shared = people::Shared::load(db, &scope).await?;
    insights::of_module(db, &scope, &shared, module_id).await
}

/// What learners think of a published module and how they answer it: rating average,
/// count and spread (each learner's latest), their comments newest first with the
/// version they refer to (without names), completion rate, and per question of the
/// published version the share of answers that picked each option. Roles: authors and
/// admins.
#[utoipa::path(
    get, path = "/api/v1/reports/modules/{id}/insights", tag = "readiness",
    params(("id" = i64, Path, description = "The module")),
    responses(
        (status = 200, body = ModuleInsights),
        (status = 403, description = "`forbidden`: not your role", body = ErrorBody),
        (status = 404, description = "`not_found`: no such published module", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn module_insights(
    State(state): State<AppState>,
    who: Gate<reads::ModuleInsights>,
    Path(id): Path<i64>,
) -> Result<Json<ModuleInsights>, ApiError> {
    respond(&state, who, reads::ModuleInsights { id }).await
}

impl Serve for reads::ModuleInsights {
    type Access = Auth<Authors>;
    async fn serve(self, state: &AppState, who: Auth<Authors>) -> Result<ModuleInsights, ApiError> {
        insights_json(&state.db, who.user(), self.id).await
    }
}

/// The page's read of the people report: its filters as a query string (JSON only).
impl Serve for reads::PeopleReport {
    type Access = Auth<Managers>;
    async fn serve(self, state: &AppState, who: Auth<Managers>) -> Result<PeopleReport, ApiError> {
        let query: PeopleQuery = serde_urlencoded::from_str(&self.query)
            .map_err(|e| ApiError::Malformed(format!("Unreadable filters: {e}")))?;
        people_json(&state.db, who.user(), query).await
    }
}

/// The page's read of the module report: everyone the viewer may see, as JSON.
impl Serve for reads::ModulesReport {
    type Access = Auth<Staff>;
    async fn serve(self, state: &AppState, who: Auth<Staff>) -> Result<ModulesReport, ApiError> {
        modules_json(&state.db, who.user(), &ModulesQuery::default()).await
    }
}

/// Filters of the retention report.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RetentionQuery {
    /// Only this team (managers: one of theirs).
    pub team_id: Option<i64>,
}

/// What people still know, later (Kirkpatrick level 2 over time): for everyone in scope
/// and per person who answered a quiz, the share of quiz questions answered right the
/// first time, against the share of booster answers right, by how long after the first
/// try (within a week, 1–2, 2–4 and 4+ weeks). Roles: managers (their teams), admins.
#[utoipa::path(
    get, path = "/api/v1/reports/retention", tag = "readiness",
    params(RetentionQuery),
    responses(
        (status = 200, body = app::api::boosters::TeamRetention),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such team", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn retention_report(
    State(state): State<AppState>,
    who: Gate<reads::Retention>,
    Query(query): Query<RetentionQuery>,
) -> Result<Json<app::api::boosters::TeamRetention>, ApiError> {
    let query = serde_urlencoded::to_string([("team_id", query.team_id)]).unwrap_or_default();
    respond(&state, who, reads::Retention { query }).await
}

impl Serve for reads::Retention {
    type Access = Auth<Managers>;
    async fn serve(self, state: &AppState, who: Auth<Managers>) -> Result<app::api::boosters::TeamRetention, ApiError> {
        use app::api::boosters::{PersonRetention, TeamRetention, retention};
        let query: RetentionQuery = serde_urlencoded::from_str(&self.query)
            .map_err(|e| ApiError::Malformed(format!("Unreadable filters: {e}")))?;
        let db = &state.db;
        let scope = Scope::for_viewer(db, who.user(), query.team_id, None).await?;
        let mut answers =
            crate::boosters::answers(db, crate::boosters::Whose::Among(Box::new(scope.ids())), None).await?.answers;
        // By person: each person's answers are one run.
        answers.sort_by_key(|(person, _)| *person);
        let by_person: BTreeMap<i64, &[(i64, app::api::boosters::Answer)]> =
            answers.chunk_by(|a, b| a.0 == b.0).map(|mine| (mine[0].0, mine)).collect();
        let names: Vec<(i64, String)> = scope
            .filter(crate::db::entities::user::Entity::find())
            .select_only()
            .columns([crate::db::entities::user::Column::Id, crate::db::entities::user::Column::Name])
            .into_tuple()
            .all(db)
            .await?;
        let mut people: Vec<PersonRetention> = names
            .into_iter()
            .filter_map(|(user_id, name)| {
                let mine = by_person.get(&user_id)?;
                Some(PersonRetention { user_id, name, retention: retention(*mine) })
            })
            .collect();
        people.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.user_id.cmp(&b.user_id)));
        Ok(TeamRetention { generated_at: crate::db::now(), everyone: retention(&answers), people })
    }
}

fn svg(body: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

/// Modules completed per week over the last 12 weeks by the people in scope (the same
/// filters as the people report), as an SVG image. Roles: managers (their teams), admins.
#[utoipa::path(
    get, path = "/api/v1/reports/charts/completions.svg", tag = "readiness",
    params(PeopleQuery),
    responses(
        (status = 200, description = "`image/svg+xml`"),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn completions_chart(
    State(state): State<AppState>,
    auth: Auth<Managers>,
    Query(query): Query<PeopleQuery>,
) -> Result<Response, ApiError> {
    let scope = Scope::for_viewer(&state.db, auth.user(), query.team_id, query.job_role).await?;
    let weeks = weekly_completions(&state.db, &scope, crate::db::now()).await?;
    let weeks: Vec<_> = weeks.into_iter().map(|w| (w.week_of, w.completed)).collect();
    Ok(svg(charts::completions_svg(&weeks)))
}

/// Per team in scope, the share of required items done and how many people have
/// something overdue, as an SVG image. Roles: managers (their teams), admins.
#[utoipa::path(
    get, path = "/api/v1/reports/charts/readiness.svg", tag = "readiness",
    params(PeopleQuery),
    responses(
        (status = 200, description = "`image/svg+xml`"),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn readiness_chart(
    State(state): State<AppState>,
    auth: Auth<Managers>,
    Query(query): Query<PeopleQuery>,
) -> Result<Response, ApiError> {
    let query = PeopleQuery { overdue_only: false, format: Format::Json, ..query };
    let report = people_json(&state.db, auth.user(), query).await?;
    Ok(svg(charts::readiness_svg(&app::api::by_team(&report.people))))
}
