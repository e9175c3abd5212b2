//! Reports: who is ready (per person) and what the content is doing (per module and
//! path), as JSON for the pages and as CSV that streams, for the people a viewer is
//! responsible for: admins everyone, managers the teams they manage.

pub mod charts;
pub mod insights;
pub mod modules;
pub mod people;

use std::collections::{BTreeMap, HashMap};

use app::api::{
    CHART_WEEKS, ErrorBody, ModuleFigures, ModuleInsights, ModulesReport, PathFigures, PeopleReport, PersonReadiness,
    PersonReport, Role, TeamRef, Tier, User, WeekCount, is_stale,
};
use axum::{
    body::{Body, Bytes},
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::StreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Func},
};
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::Json;
use crate::reads::{Gate, Serve, respond};
use crate::{
    accounts::users,
    app::AppState,
    auth::{Auth, Authors, Managers, Staff},
    db::entities::{module_progress, team, user},
    error::{ApiError, Path, Query},
};
use app::reads;

/// `/api/v1/reports/...`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(people_report))
        .routes(routes!(person_report))
        .routes(routes!(modules_report))
        .routes(routes!(module_insights))
        .routes(routes!(completions_chart))
        .routes(routes!(readiness_chart))
}

/// Whose figures a report covers.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Only people of these teams (`None`: everyone).
    pub teams: Option<Vec<i64>>,
    /// Only people with this job role (any case).
    pub job_role: Option<String>,
    /// The viewer: their own row isn't in their team's report.
    pub viewer_id: i64,
    /// Every team's name, by id.
    pub team_names: HashMap<i64, String>,
    /// The teams the viewer may filter by.
    pub choices: Vec<TeamRef>,
    /// Only this person (one person's report).
    pub person: Option<i64>,
}

impl Scope {
    /// The scope of a viewer asking for `team_id` (all they may see if none): managers get
    /// 403 for a team they don't manage.
    pub async fn for_viewer(
        db: &impl ConnectionTrait,
        viewer: &User,
        team_id: Option<i64>,
        job_role: Option<String>,
    ) -> Result<Scope, ApiError> {
        let all = team::Entity::find().order_by_asc(team::Column::Name).all(db).await?;
        let team_names: HashMap<i64, String> = all.iter().map(|t| (t.id, t.name.clone())).collect();
        let everyone = !matches!(viewer.role, Role::Manager);
        let choices: Vec<TeamRef> = if everyone {
            all.iter().map(|t| TeamRef { id: t.id, name: t.name.clone() }).collect()
        } else {
            viewer.manages.clone()
        };
        let teams = match team_id {
            Some(id) if !team_names.contains_key(&id) => return Err(ApiError::not_found("Team")),
            Some(id) if !everyone && !viewer.manages.iter().any(|t| t.id == id) => return Err(ApiError::Forbidden),
            Some(id) => Some(vec![id]),
            None if everyone => None,
            None => Some(viewer.manages.iter().map(|t| t.id).collect()),
        };
        let job_role = job_role.map(|j| j.trim().to_string()).filter(|j| !j.is_empty());
        Ok(Scope { teams, job_role, viewer_id: viewer.id, team_names, choices, person: None })
    }

    /// The ids of the people in scope, as a subquery.
    pub fn ids(&self) -> sea_orm::sea_query::SelectStatement {
        sea_orm::QueryTrait::into_query(self.filter(user::Entity::find().select_only().column(user::Column::Id)))
    }

    /// Limits a query of people to the scope: active people, not the viewer.
    pub fn filter(&self, query: Select<user::Entity>) -> Select<user::Entity> {
        let mut query = users::people_in(query, self.viewer_id, self.teams.as_deref());
        if let Some(id) = self.person {
            query = query.filter(user::Column::Id.eq(id));
        }
        if let Some(role) = &self.job_role {
            query = query.filter(Expr::expr(Func::lower(Expr::col(user::Column::JobRole))).eq(role.to_lowercase()));
        }
        query
    }
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

/// Rows a CSV chunk gathers before it is sent.
const CSV_CHUNK_BYTES: usize = 32 * 1024;
/// Rows in flight between the database reader and the response.
const ROWS_IN_FLIGHT: usize = 64;

/// The people report's CSV columns.
pub const PEOPLE_CSV_HEADER: [&str; 19] = [
    "Name",
    "Email",
    "Team",
    "Job role",
    "Start date",
    "Required done",
    "Required total",
    "Overdue",
    "Overdue items",
    "Due soon",
    "30 days",
    "60 days",
    "90 days",
    "Later",
    "Certifications",
    "Latest quiz",
    "Latest quiz best score",
    "Last activity",
    "Last sync",
];

fn time_cell(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)).unwrap_or_default()
}

/// One person as a CSV record (the same figures as the JSON row).
pub fn person_csv(p: &PersonReadiness) -> Vec<String> {
    let tier =
        |t: Tier| p.tiers.iter().find(|x| x.tier == t).map(|x| format!("{}/{}", x.done, x.total)).unwrap_or_default();
    let items = |list: &[app::api::DueItem]| {
        list.iter()
            .map(|i| match i.due_date {
                Some(d) => format!("{} (due {d})", i.title),
                None => i.title.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    vec![
        p.name.clone(),
        p.email.clone(),
        p.team.clone().unwrap_or_default(),
        p.job_role.clone().unwrap_or_default(),
        p.start_date.map(|d| d.to_string()).unwrap_or_default(),
        p.required_done.to_string(),
        p.required_total.to_string(),
        p.overdue.len().to_string(),
        items(&p.overdue),
        p.due_soon.len().to_string(),
        tier(Tier::Days30),
        tier(Tier::Days60),
        tier(Tier::Days90),
        tier(Tier::Later),
        p.certifications
            .iter()
            .map(|c| match c.expires_at {
                Some(e) => format!("{} ({}, until {})", c.title, c.status.as_str(), e.date_naive()),
                None => format!("{} ({})", c.title, c.status.as_str()),
            })
            .collect::<Vec<_>>()
            .join("; "),
        p.latest_quiz.as_ref().map(|q| q.title.clone()).unwrap_or_default(),
        p.latest_quiz.as_ref().map(|q| q.best_score.to_string()).unwrap_or_default(),
        time_cell(p.last_activity_at),
        time_cell(p.last_sync_at),
    ]
}

/// A cell as a spreadsheet will take it: text that starts like a formula (`=`, `+`, `-`,
/// `@`, a tab or a carriage return: OWASP's list) gets a leading `'`, so a title or a name
/// someone typed is shown, never run.
pub fn defused(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell }
}

/// A CSV response whose body is written as rows arrive: `header`, then each row through
/// `record` (every cell [`defused`]). A failure after the first byte ends the body with
/// an error, so the download fails instead of looking complete.
fn csv_response<T: Send + 'static>(
    filename: &str,
    header: &'static [&'static str],
    rows: mpsc::Receiver<Result<T, ApiError>>,
    record: fn(&T) -> Vec<String>,
) -> Response {
    struct State<T> {
        rows: mpsc::Receiver<Result<T, ApiError>>,
        header: Option<&'static [&'static str]>,
        done: bool,
    }
    let state = State { rows, header: Some(header), done: false };
    let body = futures_util::stream::unfold(state, move |mut state| async move {
        if state.done {
            return None;
        }
        let mut out = csv::Writer::from_writer(Vec::with_capacity(CSV_CHUNK_BYTES + 1024));
        if let Some(header) = state.header.take() {
            let _ = out.write_record(header);
        }
        loop {
            match state.rows.recv().await {
                Some(Ok(row)) => {
                    let _ = out.write_record(record(&row).into_iter().map(defused));
                    if out.get_ref().len() >= CSV_CHUNK_BYTES {
                        break;
                    }
                }
                Some(Err(e)) => {
                    tracing::error!(error = ?e, "a CSV export failed half-way");
                    state.done = true;
                    return Some((Err(std::io::Error::other("the export failed")), state));
                }
                None => {
                    state.done = true;
                    break;
                }
            }
        }
        let bytes = out.into_inner().unwrap_or_default();
        Some((Ok::<_, std::io::Error>(Bytes::from(bytes)), state))
    })
    // The compression layer (every browser asks for gzip or br) polls the body once more
    // after its end; an `unfold` panics there, and the download came out empty.
    .fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// The people report's rows, as they are worked out (by person id), from a task that
/// reads them; a failure comes last, as an error. Also when the report was made and its
/// scope (with the teams the viewer may filter by).
async fn people_rows(
    state: &AppState,
    viewer: &User,
    query: PeopleQuery,
    weekly: Option<tokio::sync::oneshot::Sender<charts::Weekly>>,
) -> Result<(DateTime<Utc>, Scope, mpsc::Receiver<Result<PersonReadiness, ApiError>>), ApiError> {
    let scope = Scope::for_viewer(&state.db, viewer, query.team_id, query.job_role).await?;
    let shared = people::Shared::load_with_sync(&state.db, &scope).await?;
    let (now, kept) = (shared.now, scope.clone());
    let (tx, rx) = mpsc::channel(ROWS_IN_FLIGHT);
    let db = state.db.clone();
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
pub async fn people_json(state: &AppState, viewer: &User, query: PeopleQuery) -> Result<PeopleReport, ApiError> {
    let (weekly_tx, weekly_rx) = tokio::sync::oneshot::channel();
    let (generated_at, scope, mut rows) = people_rows(state, viewer, query, Some(weekly_tx)).await?;
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
pub async fn person_json(state: &AppState, viewer: &User, id: i64) -> Result<PersonReport, ApiError> {
    let mut scope = Scope::for_viewer(&state.db, viewer, None, None).await?;
    scope.person = Some(id);
    let shared = people::Shared::load_with_sync(&state.db, &scope).await?;
    people::person(&state.db, &scope, &shared).await?.ok_or_else(|| ApiError::not_found("Person"))
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
        person_json(state, who.user(), self.id).await
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
        return Ok(axum::Json(people_json(&state, who.user(), query).await?).into_response());
    }
    let (now, _, rows) = people_rows(&state, who.user(), query, None).await?;
    let filename = format!("primer-people-{}.csv", now.date_naive());
    Ok(csv_response(&filename, &PEOPLE_CSV_HEADER, rows, person_csv))
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

/// The module report's CSV columns.
pub const MODULES_CSV_HEADER: [&str; 14] = [
    "Module",
    "Kind",
    "Assigned",
    "Started",
    "Completed",
    "Completion rate (%)",
    "Median seconds",
    "Average score (%)",
    "Most missed question",
    "Missed (%)",
    "Answers",
    "Rating",
    "Ratings",
    "Module id",
];

/// The path table's CSV columns.
pub const PATHS_CSV_HEADER: [&str; 8] =
    ["Path", "Steps", "Assigned", "Started", "Completed", "Completion rate (%)", "Median days", "Path id"];

fn number(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// One module as a CSV record.
pub fn module_csv(m: &ModuleFigures) -> Vec<String> {
    vec![
        m.title.clone(),
        m.kind.as_str().to_string(),
        m.assigned.to_string(),
        m.started.to_string(),
        m.completed.to_string(),
        number(m.completion_rate),
        m.median_seconds.map(|s| s.to_string()).unwrap_or_default(),
        number(m.average_score),
        m.most_missed.as_ref().map(|q| format!("{}. {}", q.index + 1, q.prompt)).unwrap_or_default(),
        number(m.most_missed.as_ref().map(|q| q.missed_percent)),
        m.most_missed.as_ref().map(|q| q.answers.to_string()).unwrap_or_default(),
        number(m.rating_average),
        m.ratings.to_string(),
        m.module_id.to_string(),
    ]
}

/// One path as a CSV record.
pub fn path_csv(p: &PathFigures) -> Vec<String> {
    vec![
        p.title.clone(),
        p.steps.to_string(),
        p.assigned.to_string(),
        p.started.to_string(),
        p.completed.to_string(),
        number(p.completion_rate),
        number(p.median_days),
        p.path_id.to_string(),
    ]
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
pub async fn modules_json(state: &AppState, viewer: &User, query: &ModulesQuery) -> Result<ModulesReport, ApiError> {
    let scope = Scope::for_viewer(&state.db, viewer, query.team_id, query.job_role.clone()).await?;
    let shared = people::Shared::load(&state.db, &scope).await?;
    modules::figures(&state.db, &scope, &shared).await
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
    let report = modules_json(&state, who.user(), &query).await?;
    if query.format == Format::Json {
        return Ok(axum::Json(report).into_response());
    }
    let day = report.generated_at.date_naive();
    // A row per module or path: few enough to hold; the same writer as the big exports.
    Ok(match query.table {
        Table::Modules => {
            csv_response(&format!("primer-modules-{day}.csv"), &MODULES_CSV_HEADER, rows(report.modules), module_csv)
        }
        Table::Paths => {
            csv_response(&format!("primer-paths-{day}.csv"), &PATHS_CSV_HEADER, rows(report.paths), path_csv)
        }
    })
}

/// One published module's insights as the pages read them: everyone's records.
pub async fn insights_json(state: &AppState, viewer: &User, module_id: i64) -> Result<ModuleInsights, ApiError> {
    let scope = Scope::for_viewer(&state.db, viewer, None, None).await?;
    let shared = people::Shared::load(&state.db, &scope).await?;
    insights::of_module(&state.db, &scope, &shared, module_id).await
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
        insights_json(state, who.user(), self.id).await
    }
}

/// The page's read of the people report: its filters as a query string (JSON only).
impl Serve for reads::PeopleReport {
    type Access = Auth<Managers>;
    async fn serve(self, state: &AppState, who: Auth<Managers>) -> Result<PeopleReport, ApiError> {
        let query: PeopleQuery = serde_urlencoded::from_str(&self.query)
            .map_err(|e| ApiError::Malformed(format!("Unreadable filters: {e}")))?;
        people_json(state, who.user(), query).await
    }
}

/// The page's read of the module report: everyone the viewer may see, as JSON.
impl Serve for reads::ModulesReport {
    type Access = Auth<Staff>;
    async fn serve(self, state: &AppState, who: Auth<Staff>) -> Result<ModulesReport, ApiError> {
        modules_json(state, who.user(), &ModulesQuery::default()).await
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
    let report = people_json(&state, auth.user(), query).await?;
    // By team name, in alphabetical order.
    let mut teams: BTreeMap<(String, String), charts::TeamReadiness> = BTreeMap::new();
    for p in &report.people {
        let name = p.team.as_deref().unwrap_or("No team");
        let t = teams
            .entry((name.to_lowercase(), name.to_string()))
            .or_insert_with(|| charts::TeamReadiness { team: name.to_string(), ..Default::default() });
        t.done += p.required_done;
        t.total += p.required_total;
        t.people += 1;
        t.overdue_people += u32::from(!p.overdue.is_empty());
    }
    Ok(svg(charts::readiness_svg(&teams.into_values().collect::<Vec<_>>())))
}
