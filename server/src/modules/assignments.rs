//! Assignments: a module or a path, to a job role and/or a team, required or suggested,
//! due a number of days after each person's start date (the 30/60/90-day tiers) or on a
//! date.

use app::api::{Assignment, AssignmentInput, AssignmentPreview, ErrorBody};
use axum::{extract::State, http::StatusCode};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, TryIntoModel,
};

use super::catalog;
use crate::reads::{Gate, Serve, respond};
use crate::{
    auth::{Auth, Authors},
    db::{
        self,
        entities::{assignment, module, module_progress, path, path_module, team, user},
    },
    error::{ApiError, Json, Path, Query},
    state::AppState,
};
use app::reads;

/// The longest "due after start" an assignment may have (ten years).
const MAX_DUE_DAYS: u32 = 3650;

/// Checks an assignment: exactly one module or path that exists, a job role and/or a team
/// that exists, and at most one kind of due date.
pub async fn parse(db: &impl ConnectionTrait, input: AssignmentInput) -> Result<AssignmentInput, ApiError> {
    match (input.module_id, input.path_id) {
        (Some(_), Some(_)) => return Err(ApiError::invalid("module_id", "Assign a module or a path, not both.")),
        (None, None) => return Err(ApiError::invalid("module_id", "Choose the module or path to assign.")),
        (Some(id), None) => {
            module::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| ApiError::invalid("module_id", "That module doesn't exist."))?;
        }
        (None, Some(id)) => {
            path::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| ApiError::invalid("path_id", "That path doesn't exist."))?;
        }
    }
    let job_role = app::api::validate::job_role(input.job_role.as_deref())?;
    if let Some(id) = input.team_id {
        team::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::invalid("team_id", "That team doesn't exist."))?;
    }
    if job_role.is_none() && input.team_id.is_none() {
        return Err(ApiError::invalid("job_role", "Assign to a job role, a team, or both."));
    }
    if input.due_days.is_some() && input.due_date.is_some() {
        return Err(ApiError::invalid("due_days", "Set days after the start date or a date, not both."));
    }
    if input.due_days.is_some_and(|d| d > MAX_DUE_DAYS) {
        return Err(ApiError::invalid("due_days", format!("Use at most {MAX_DUE_DAYS} days.")));
    }
    Ok(AssignmentInput { job_role, ..input })
}

/// An assignment with the names people need.
pub async fn view(db: &impl ConnectionTrait, a: assignment::Model) -> Result<Assignment, ApiError> {
    let title = match (a.module_id, a.path_id) {
        (Some(id), _) => module::Entity::find_by_id(id).one(db).await?.map(|m| m.title),
        (_, Some(id)) => path::Entity::find_by_id(id).one(db).await?.map(|p| p.title),
        _ => None,
    };
    let team = match a.team_id {
        Some(id) => team::Entity::find_by_id(id).one(db).await?.map(|t| t.name),
        None => None,
    };
    Ok(Assignment {
        id: a.id,
        module_id: a.module_id,
        path_id: a.path_id,
        title: title.unwrap_or_default(),
        job_role: a.job_role,
        team_id: a.team_id,
        team,
        required: a.required,
        due_days: a.due_days.map(|d| d as u32),
        due_date: a.due_date,
        grace: a.grace,
        created_at: a.created_at,
    })
}

/// Stores a checked assignment (new, or replacing `existing`).
pub async fn save(
    db: &impl ConnectionTrait,
    existing: Option<assignment::Model>,
    input: AssignmentInput,
    by: Option<i64>,
    source_key: Option<String>,
) -> Result<assignment::Model, ApiError> {
    let mut active = match existing {
        Some(a) => a.into_active_model(),
        None => assignment::ActiveModel {
            created_by: Set(by),
            created_at: Set(db::now()),
            source_key: Set(source_key),
            ..Default::default()
        },
    };
    active.module_id = Set(input.module_id);
    active.path_id = Set(input.path_id);
    active.job_role = Set(input.job_role);
    active.team_id = Set(input.team_id);
    active.required = Set(input.required);
    active.due_days = Set(input.due_days.map(|d| d as i32));
    active.due_date = Set(input.due_date);
    active.grace = Set(input.grace);
    Ok(active.save(db).await?.try_into_model()?)
}

/// How many of the people an assignment reaches it would make overdue at once.
pub async fn preview(
    db: &impl ConnectionTrait,
    input: &AssignmentInput,
    existing: Option<&assignment::Model>,
) -> Result<AssignmentPreview, ApiError> {
    // The assignment as it would be stored (an edited one keeps its creation day).
    let model = |grace: bool| assignment::Model {
        id: existing.map_or(0, |a| a.id),
        module_id: input.module_id,
        path_id: input.path_id,
        job_role: input.job_role.clone(),
        team_id: input.team_id,
        required: input.required,
        due_days: input.due_days.map(|d| d as i32),
        due_date: input.due_date,
        grace,
        source_key: None,
        created_by: None,
        created_at: existing.map_or_else(db::now, |a| a.created_at),
    };
    let (plain, graced) = (model(input.grace), model(true));
    // What counts, as readiness counts it: the published modules it holds.
    let wanted: Vec<i64> = match (input.module_id, input.path_id) {
        (Some(id), _) => vec![id],
        (_, Some(id)) => path_module::Entity::find()
            .filter(path_module::Column::PathId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|pm| pm.module_id)
            .collect(),
        _ => vec![],
    };
    let module_ids: Vec<i64> = module::Entity::find()
        .filter(module::Column::Id.is_in(wanted))
        .filter(module::Column::Status.eq(app::api::ModuleStatus::Published.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let mut out = AssignmentPreview { people: 0, overdue_at_once: 0, overdue_names: vec![], overdue_with_grace: 0 };
    // The people it reaches, narrowed in the query by team and job role.
    let mut people = user::Entity::find().filter(user::Column::Active.eq(true));
    if let Some(team) = input.team_id {
        people = people.filter(user::Column::TeamId.eq(team));
    }
    if let Some(role) = &input.job_role {
        use sea_orm::sea_query::{Expr, ExprTrait, Func};
        people = people.filter(Expr::expr(Func::lower(Expr::col(user::Column::JobRole))).eq(role.to_lowercase()));
    }
    let people = crate::accounts::users::views(db, people.order_by_asc(user::Column::Name).all(db).await?).await?;
    let people: Vec<_> = people.into_iter().filter(|u| catalog::applies(&plain, u)).collect();
    out.people = people.len() as u32;
    if module_ids.is_empty() || !input.required {
        return Ok(out);
    }
    let now = db::now();
    let overdue = |a: &assignment::Model, user: &app::api::User| {
        let today = crate::accounts::date_in(&user.time_zone, now);
        catalog::due_date(a, user).is_some_and(|d| d < today)
    };
    let late: Vec<&app::api::User> = people.iter().filter(|u| overdue(&plain, u) || overdue(&graced, u)).collect();
    // Who has done all of it already, in one query.
    let done: std::collections::HashMap<i64, i64> = module_progress::Entity::find()
        .select_only()
        .column(module_progress::Column::UserId)
        .column_as(module_progress::Column::ModuleId.count(), "done")
        .filter(module_progress::Column::UserId.is_in(late.iter().map(|u| u.id)))
        .filter(module_progress::Column::ModuleId.is_in(module_ids.clone()))
        .filter(module_progress::Column::CompletedAt.is_not_null())
        .group_by(module_progress::Column::UserId)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for user in late {
        if done.get(&user.id).copied().unwrap_or(0) as usize >= module_ids.len() {
            continue;
        }
        if overdue(&plain, user) {
            out.overdue_at_once += 1;
            if out.overdue_names.len() < PREVIEW_NAMES {
                out.overdue_names.push(user.name.clone());
            }
        }
        out.overdue_with_grace += u32::from(overdue(&graced, user));
    }
    Ok(out)
}

/// How many names a preview lists.
const PREVIEW_NAMES: usize = 10;

/// Who an assignment would make overdue the moment it is saved, before saving it (the
/// same body as `POST /api/v1/assignments`; `assignment_id` for an edit). Roles: author,
/// admin; only admins get names (authors don't otherwise see who has done what).
#[utoipa::path(
    post, path = "/api/v1/assignments/preview", tag = "authoring",
    params(PreviewQuery),
    request_body = AssignmentInput,
    responses(
        (status = 200, body = AssignmentPreview),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn preview_assignment(
    State(state): State<AppState>,
    auth: Auth<Authors>,
    Query(query): Query<PreviewQuery>,
    Json(input): Json<AssignmentInput>,
) -> Result<Json<AssignmentPreview>, ApiError> {
    let existing = match query.assignment_id {
        Some(id) => Some(
            assignment::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(|| ApiError::not_found("Assignment"))?,
        ),
        None => None,
    };
    let input = parse(&state.db, input).await?;
    let mut preview = preview(&state.db, &input, existing.as_ref()).await?;
    if auth.user().role != app::api::Role::Admin {
        preview.overdue_names.clear();
    }
    Ok(Json(preview))
}

/// Which assignment a preview is of, when editing one.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    pub assignment_id: Option<i64>,
}

/// Every assignment. Roles: author, admin.
#[utoipa::path(
    get, path = "/api/v1/assignments", tag = "authoring",
    responses((status = 200, body = Vec<Assignment>), (status = 403, description = "`forbidden`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn list_assignments(
    State(state): State<AppState>,
    who: Gate<reads::Assignments>,
) -> Result<Json<Vec<Assignment>>, ApiError> {
    respond(&state, who, reads::Assignments).await
}

impl Serve for reads::Assignments {
    type Access = Auth<Authors>;
    async fn serve(self, state: &AppState, _: Auth<Authors>) -> Result<Vec<Assignment>, ApiError> {
        list(&state.db).await
    }
}

/// Every assignment, oldest first.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Assignment>, ApiError> {
    let mut out = Vec::new();
    for a in assignment::Entity::find().order_by_asc(assignment::Column::Id).all(db).await? {
        out.push(view(db, a).await?);
    }
    Ok(out)
}

/// Assign a module or a path. Roles: author, admin.
#[utoipa::path(
    post, path = "/api/v1/assignments", tag = "authoring",
    request_body = AssignmentInput,
    responses((status = 201, body = Assignment), (status = 422, description = "`invalid_input`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn create_assignment(
    State(state): State<AppState>,
    auth: Auth<Authors>,
    Json(input): Json<AssignmentInput>,
) -> Result<(StatusCode, Json<Assignment>), ApiError> {
    let input = parse(&state.db, input).await?;
    let a = save(&state.db, None, input, Some(auth.user().id), None).await?;
    Ok((StatusCode::CREATED, Json(view(&state.db, a).await?)))
}

/// Change an assignment. Roles: author, admin.
#[utoipa::path(
    put, path = "/api/v1/assignments/{id}", tag = "authoring",
    params(("id" = i64, Path, description = "Assignment id")),
    request_body = AssignmentInput,
    responses(
        (status = 200, body = Assignment),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn update_assignment(
    State(state): State<AppState>,
    _auth: Auth<Authors>,
    Path(id): Path<i64>,
    Json(input): Json<AssignmentInput>,
) -> Result<Json<Assignment>, ApiError> {
    let existing =
        assignment::Entity::find_by_id(id).one(&state.db).await?.ok_or_else(|| ApiError::not_found("Assignment"))?;
    let input = parse(&state.db, input).await?;
    let a = save(&state.db, Some(existing), input, None, None).await?;
    Ok(Json(view(&state.db, a).await?))
}

/// Remove an assignment. Roles: author, admin.
#[utoipa::path(
    delete, path = "/api/v1/assignments/{id}", tag = "authoring",
    params(("id" = i64, Path, description = "Assignment id")),
    responses((status = 204, description = "Removed"), (status = 404, description = "`not_found`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn delete_assignment(
    State(state): State<AppState>,
    _auth: Auth<Authors>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let result = assignment::Entity::delete_by_id(id).exec(&state.db).await?;
    if result.rows_affected == 0 {
        return Err(ApiError::not_found("Assignment"));
    }
    Ok(StatusCode::NO_CONTENT)
}
