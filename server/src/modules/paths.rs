//! Learning paths: an ordered list of modules with a title and description.

use std::collections::HashMap;

use app::api::{ErrorBody, LearningPath, PathInput, PathStep, module_rules as rules};
use axum::{extract::State, http::StatusCode};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use super::Saving;
use crate::reads::{Gate, Serve, respond};
use crate::{
    auth::{Auth, Authors},
    db::{
        self,
        entities::{module, path, path_module},
    },
    error::{ApiError, Json, Path},
    state::AppState,
};
use app::reads;

/// A path's fields, checked.
pub struct PathDraft {
    pub title: String,
    pub description: String,
    pub module_ids: Vec<i64>,
}

/// Checks a path: a title, a description of reasonable length, and modules that exist
/// (each once).
pub async fn parse(db: &impl ConnectionTrait, input: PathInput, saving: Saving) -> Result<PathDraft, ApiError> {
    let module_ids = match (input.modules(), saving) {
        (Some(ids), _) => ids,
        (None, Saving::New) => Vec::new(),
        (None, Saving::Whole) => {
            return Err(ApiError::invalid(
                "module_ids",
                "Send the path's modules (module_ids, or steps as GET returns them); saving without them would empty it.",
            ));
        }
    };
    let title = rules::path_title(&input.title)?;
    let description = input.description.trim().to_string();
    if description.chars().count() > rules::limits::SUMMARY_CHARS * 2 {
        return Err(ApiError::invalid("description", "Keep the description under 1000 characters."));
    }
    if module_ids.len() > rules::limits::PATH_MODULES {
        return Err(ApiError::invalid(
            "module_ids",
            format!("A path has at most {} modules.", rules::limits::PATH_MODULES),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = module_ids.iter().find(|id| !seen.insert(**id)) {
        return Err(ApiError::invalid("module_ids", format!("Module {dup} is in the path twice.")));
    }
    let found = module::Entity::find().filter(module::Column::Id.is_in(module_ids.clone())).all(db).await?;
    if found.len() != module_ids.len() {
        return Err(ApiError::invalid("module_ids", "One of the modules doesn't exist (any more)."));
    }
    Ok(PathDraft { title, description, module_ids })
}

async fn set_steps(db: &impl ConnectionTrait, path_id: i64, module_ids: &[i64]) -> Result<(), ApiError> {
    path_module::Entity::delete_many().filter(path_module::Column::PathId.eq(path_id)).exec(db).await?;
    if !module_ids.is_empty() {
        path_module::Entity::insert_many(module_ids.iter().enumerate().map(|(i, &module_id)| {
            path_module::ActiveModel { path_id: Set(path_id), position: Set(i as i32), module_id: Set(module_id) }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// The module ids of a path, in order.
pub async fn steps(db: &impl ConnectionTrait, path_id: i64) -> Result<Vec<i64>, ApiError> {
    Ok(path_module::Entity::find()
        .filter(path_module::Column::PathId.eq(path_id))
        .order_by_asc(path_module::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.module_id)
        .collect())
}

/// A path as authors see it.
pub async fn view(db: &impl ConnectionTrait, p: path::Model) -> Result<LearningPath, ApiError> {
    let ids = steps(db, p.id).await?;
    let modules: HashMap<i64, module::Model> = module::Entity::find()
        .filter(module::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut steps = Vec::with_capacity(ids.len());
    for m in ids.iter().filter_map(|id| modules.get(id)) {
        steps.push(PathStep {
            module_id: m.id,
            title: m.title.clone(),
            kind: m.kind()?,
            status: m.status()?,
            estimated_seconds: m.estimated_seconds as u32,
        });
    }
    Ok(LearningPath {
        id: p.id,
        title: p.title,
        description: p.description,
        archived: p.archived,
        steps,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// Creates a path.
pub async fn create(
    db: &impl ConnectionTrait,
    draft: PathDraft,
    by: Option<i64>,
    source_key: Option<String>,
) -> Result<path::Model, ApiError> {
    let now = db::now();
    let p = path::ActiveModel {
        title: Set(draft.title),
        description: Set(draft.description),
        archived: Set(false),
        source_key: Set(source_key),
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    set_steps(db, p.id, &draft.module_ids).await?;
    Ok(p)
}

/// Replaces a path's title, description and steps.
pub async fn update(db: &impl ConnectionTrait, id: i64, draft: PathDraft) -> Result<path::Model, ApiError> {
    let p = path::Entity::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::not_found("Learning path"))?;
    let mut active = p.into_active_model();
    active.title = Set(draft.title);
    active.description = Set(draft.description);
    active.updated_at = Set(db::now());
    let p = active.update(db).await?;
    set_steps(db, id, &draft.module_ids).await?;
    Ok(p)
}

/// Every learning path. Roles: author, admin.
#[utoipa::path(
    get, path = "/api/v1/paths", tag = "authoring",
    responses((status = 200, body = Vec<LearningPath>), (status = 403, description = "`forbidden`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn list_paths(
    State(state): State<AppState>,
    who: Gate<reads::Paths>,
) -> Result<Json<Vec<LearningPath>>, ApiError> {
    respond(&state, who, reads::Paths).await
}

impl Serve for reads::Paths {
    type Access = Auth<Authors>;
    async fn serve(self, state: &AppState, _: Auth<Authors>) -> Result<Vec<LearningPath>, ApiError> {
        list(&state.db).await
    }
}

/// Every path, by title.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<LearningPath>, ApiError> {
    let mut out = Vec::new();
    for p in path::Entity::find().order_by_asc(path::Column::Title).all(db).await? {
        out.push(view(db, p).await?);
    }
    Ok(out)
}

/// Create a learning path. Roles: author, admin.
#[utoipa::path(
    post, path = "/api/v1/paths", tag = "authoring",
    request_body = PathInput,
    responses((status = 201, body = LearningPath), (status = 422, description = "`invalid_input`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn create_path(
    State(state): State<AppState>,
    auth: Auth<Authors>,
    Json(input): Json<PathInput>,
) -> Result<(StatusCode, Json<LearningPath>), ApiError> {
    let txn = db::begin_write(&state.db).await?;
    let draft = parse(&txn, input, Saving::New).await?;
    let p = create(&txn, draft, Some(auth.user().id), None).await?;
    let view = view(&txn, p).await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One learning path. Roles: author, admin.
#[utoipa::path(
    get, path = "/api/v1/paths/{id}", tag = "authoring",
    params(("id" = i64, Path, description = "Path id")),
    responses((status = 200, body = LearningPath), (status = 404, description = "`not_found`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn get_path(
    State(state): State<AppState>,
    _auth: Auth<Authors>,
    Path(id): Path<i64>,
) -> Result<Json<LearningPath>, ApiError> {
    let p = path::Entity::find_by_id(id).one(&state.db).await?.ok_or_else(|| ApiError::not_found("Learning path"))?;
    Ok(Json(view(&state.db, p).await?))
}

/// Change a learning path: title, description and the modules in order.
/// Roles: author, admin.
#[utoipa::path(
    put, path = "/api/v1/paths/{id}", tag = "authoring",
    params(("id" = i64, Path, description = "Path id")),
    request_body = PathInput,
    responses(
        (status = 200, body = LearningPath),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn update_path(
    State(state): State<AppState>,
    _auth: Auth<Authors>,
    Path(id): Path<i64>,
    Json(input): Json<PathInput>,
) -> Result<Json<LearningPath>, ApiError> {
    let txn = db::begin_write(&state.db).await?;
    let draft = parse(&txn, input, Saving::Whole).await?;
    let p = update(&txn, id, draft).await?;
    let view = view(&txn, p).await?;
    txn.commit().await?;
    Ok(Json(view))
}
