//! Teams: created and renamed by admins; people belong to one, managers are responsible
//! for several.

use std::collections::HashMap;

use app::api::{ErrorBody, Team, TeamInput, TeamPatch, validate};
use axum::{extract::State, http::StatusCode};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use crate::reads::{Gate, Serve, respond};
use crate::{
    auth::{Admins, Auth, Staff},
    db::{
        self,
        entities::{team, team_manager, user},
    },
    error::{ApiError, Json, Path},
    state::AppState,
};
use app::reads;

/// Every team with its active member count and managers.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Team>, ApiError> {
    let teams = team::Entity::find().order_by_asc(team::Column::Name).all(db).await?;
    let members: HashMap<i64, u64> = user::Entity::find()
        .select_only()
        .column(user::Column::TeamId)
        .column_as(Expr::col(user::Column::Id).count(), "members")
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::TeamId.is_not_null())
        .group_by(user::Column::TeamId)
        .into_tuple::<(Option<i64>, i64)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(team, n)| Some((team?, n as u64)))
        .collect();
    let mut managers: HashMap<i64, Vec<String>> = HashMap::new();
    for (link, manager) in team_manager::Entity::find().find_also_related(user::Entity).all(db).await? {
        if let Some(manager) = manager.filter(|m| m.active) {
            managers.entry(link.team_id).or_default().push(manager.name);
        }
    }
    Ok(teams
        .into_iter()
        .map(|t| {
            let mut names = managers.remove(&t.id).unwrap_or_default();
            names.sort();
            Team {
                member_count: members.get(&t.id).copied().unwrap_or(0),
                managers: names,
                id: t.id,
                name: t.name,
                leaderboard_enabled: t.leaderboard_enabled,
            }
        })
        .collect())
}

/// Creates a team; names are unique regardless of case.
pub async fn create(db: &impl ConnectionTrait, name: &str) -> Result<Team, ApiError> {
    let name = validate::team_name(name)?;
    let created = team::ActiveModel {
        name_key: Set(name.to_lowercase()),
        name: Set(name.clone()),
        created_at: Set(db::now()),
        leaderboard_enabled: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| if db::is_unique_violation(&e) { ApiError::TeamNameTaken(name.clone()) } else { e.into() })?;
    tracing::info!(team_id = created.id, "team created");
    Ok(Team { id: created.id, name: created.name, member_count: 0, managers: vec![], leaderboard_enabled: true })
}

/// The team with this name (any case), created if there is none (for the CLI and imports).
pub async fn find_or_create(db: &impl ConnectionTrait, name: &str) -> Result<team::Model, ApiError> {
    let name = validate::team_name(name)?;
    if let Some(found) = team::Entity::find().filter(team::Column::NameKey.eq(name.to_lowercase())).one(db).await? {
        return Ok(found);
    }
    create(db, &name).await?;
    team::Entity::find()
        .filter(team::Column::NameKey.eq(name.to_lowercase()))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Internal("team vanished after creation".into()))
}

/// Renames a team and/or turns its leaderboard on or off.
pub async fn update(db: &impl ConnectionTrait, id: i64, patch: &TeamPatch) -> Result<Team, ApiError> {
    let name = patch.name.as_deref().map(validate::team_name).transpose()?;
    let found = team::Entity::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::not_found("Team"))?;
    let mut active = found.into_active_model();
    if let Some(name) = &name {
        active.name = Set(name.clone());
        active.name_key = Set(name.to_lowercase());
    }
    if let Some(enabled) = patch.leaderboard_enabled {
        active.leaderboard_enabled = Set(enabled);
    }
    if active.is_changed() {
        active.update(db).await.map_err(|e| match (&name, db::is_unique_violation(&e)) {
            (Some(name), true) => ApiError::TeamNameTaken(name.clone()),
            _ => e.into(),
        })?;
    }
    list(db).await?.into_iter().find(|t| t.id == id).ok_or_else(|| ApiError::not_found("Team"))
}

/// Every team (to assign content to teams and to read reports by team).
/// Roles: author, manager, admin.
#[utoipa::path(
    get, path = "/api/v1/teams", tag = "people",
    responses((status = 200, body = Vec<Team>), (status = 403, description = "`forbidden`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn list_teams(State(state): State<AppState>, who: Gate<reads::Teams>) -> Result<Json<Vec<Team>>, ApiError> {
    respond(&state, who, reads::Teams).await
}

impl Serve for reads::Teams {
    type Access = Auth<Staff>;
    async fn serve(self, state: &AppState, _: Auth<Staff>) -> Result<Vec<Team>, ApiError> {
        list(&state.db).await
    }
}

/// Create a team. Roles: admin.
#[utoipa::path(
    post, path = "/api/v1/teams", tag = "people",
    request_body = TeamInput,
    responses(
        (status = 201, body = Team),
        (status = 409, description = "`team_name_taken`", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn create_team(
    State(state): State<AppState>,
    _auth: Auth<Admins>,
    Json(body): Json<TeamInput>,
) -> Result<(StatusCode, Json<Team>), ApiError> {
    Ok((StatusCode::CREATED, Json(create(&state.db, &body.name).await?)))
}

/// Rename a team, or turn its leaderboard on or off (`{"leaderboard_enabled": false}`).
/// Roles: admin.
#[utoipa::path(
    patch, path = "/api/v1/teams/{id}", tag = "people",
    params(("id" = i64, Path, description = "Team id")),
    request_body = TeamPatch,
    responses(
        (status = 200, body = Team),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`team_name_taken`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn update_team(
    State(state): State<AppState>,
    _auth: Auth<Admins>,
    Path(id): Path<i64>,
    Json(body): Json<TeamPatch>,
) -> Result<Json<Team>, ApiError> {
    Ok(Json(update(&state.db, id, &body).await?))
}
