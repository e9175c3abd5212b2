//! Certifications (a learning path whose required modules and final assessment earn a
//! certificate), the certificates learners hold, and their public verification.

pub mod attempts;
pub mod award;

use std::collections::{HashMap, HashSet};

use app::api::{
    CertificateStatus, Certification, CertificationInput, DEFAULT_PASSING_SCORE, ErrorBody, ModuleKind, User,
    Verification, module_rules as rules, normalise_code, readiness,
};
use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, TryIntoModel,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::reads::{Gate, Serve, respond};
use crate::{
    accounts::users,
    auth::{AnyRole, Auth, Authors},
    db::{
        self,
        entities::{certificate, certification, module, module_progress, path, user},
    },
    error::{ApiError, Json, Path},
    modules::paths,
    projection,
    state::AppState,
};
use app::reads;

/// `/api/v1/certifications`, `/api/v1/me/certificates`, `/api/v1/certificates/{id}` and
/// `/api/v1/verify/{code}`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_certifications, create_certification))
        .routes(routes!(get_certification, update_certification))
        .routes(routes!(my_certificates))
        .routes(routes!(get_certificate))
        .routes(routes!(verify))
        .routes(routes!(attempts::start_attempt))
        .routes(routes!(attempts::open_attempt))
}

/// A certification's fields, checked.
pub struct Draft {
    path: path::Model,
    title: String,
    description: String,
    required: Vec<i64>,
    assessments: Vec<i64>,
    passing_score: u8,
    validity_months: Option<u32>,
    max_attempts: u32,
    cooldown_minutes: u32,
}

/// Checks a certification: a path that exists (and isn't already a certification), an
/// assessment of one or more of its quizzes, required modules from its steps.
pub async fn parse(
    db: &impl ConnectionTrait,
    input: CertificationInput,
    editing: Option<i64>,
) -> Result<Draft, ApiError> {
    let path_id = input.path_id.ok_or_else(|| ApiError::invalid("path_id", "Choose the learning path to certify."))?;
    let path = path::Entity::find_by_id(path_id)
        .one(db)
        .await?
        .filter(|p| !p.archived)
        .ok_or_else(|| ApiError::invalid("path_id", "That learning path doesn't exist (any more)."))?;
    let taken = certification::Entity::find().filter(certification::Column::PathId.eq(path_id)).one(db).await?;
    if taken.is_some_and(|c| Some(c.id) != editing) {
        return Err(ApiError::invalid("path_id", "That path is already a certification; change that one instead."));
    }
    let steps = paths::steps(db, path_id).await?;
    let kinds: HashMap<i64, String> = module::Entity::find()
        .filter(module::Column::Id.is_in(steps.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.kind))
        .collect();

    let mut assessments = Vec::new();
    for id in input.assessment_module_ids {
        if !steps.contains(&id) {
            return Err(ApiError::invalid("assessment_module_ids", format!("Module {id} isn't a step of the path.")));
        }
        if kinds.get(&id).map(String::as_str) != Some(ModuleKind::Quiz.as_str()) {
            return Err(ApiError::invalid("assessment_module_ids", "An assessment is made of quizzes."));
        }
        if !assessments.contains(&id) {
            assessments.push(id);
        }
    }
    if assessments.is_empty() {
        return Err(ApiError::invalid(
            "assessment_module_ids",
            "Choose the quiz (or quizzes) of the final assessment.",
        ));
    }
    let required = match input.required_module_ids {
        None => steps.iter().copied().filter(|id| !assessments.contains(id)).collect(),
        Some(ids) => {
            let mut required = Vec::new();
            for id in ids {
                if !steps.contains(&id) {
                    return Err(ApiError::invalid(
                        "required_module_ids",
                        format!("Module {id} isn't a step of the path."),
                    ));
                }
                if assessments.contains(&id) {
                    return Err(ApiError::invalid(
                        "required_module_ids",
                        "A module is either required or part of the assessment, not both.",
                    ));
                }
                if !required.contains(&id) {
                    required.push(id);
                }
            }
            required
        }
    };
    let title = if input.title.trim().is_empty() { path.title.clone() } else { rules::path_title(&input.title)? };
    let description = input.description.trim().to_string();
    if description.chars().count() > rules::limits::SUMMARY_CHARS * 2 {
        return Err(ApiError::invalid("description", "Keep the description under 1000 characters."));
    }
    Ok(Draft {
        path,
        title,
        description,
        required,
        assessments,
        passing_score: readiness::passing_score(input.passing_score.unwrap_or(DEFAULT_PASSING_SCORE))?,
        validity_months: readiness::validity_months(input.validity_months)?,
        max_attempts: readiness::max_attempts(input.max_attempts)?,
        cooldown_minutes: readiness::cooldown_minutes(input.cooldown_minutes)?,
    })
}

/// Certifications as the API shows them, with their paths' titles and holders (two
/// queries, however many there are).
async fn views(db: &impl ConnectionTrait, list: Vec<certification::Model>) -> Result<Vec<Certification>, ApiError> {
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let holders = holders(db, &ids).await?;
    let path_titles: HashMap<i64, String> = path::Entity::find()
        .filter(path::Column::Id.is_in(list.iter().map(|c| c.path_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    list.into_iter()
        .map(|c| {
            Ok(Certification {
                id: c.id,
                title: c.title.clone(),
                description: c.description.clone(),
                path_id: c.path_id,
                path_title: path_titles.get(&c.path_id).cloned().unwrap_or_default(),
                version: c.version,
                required_module_ids: c.required()?,
                assessment_module_ids: c.assessments()?,
                passing_score: c.passing_score.clamp(0, 100) as u8,
                validity_months: c.validity_months.map(|m| m.max(0) as u32),
                max_attempts: c.max_attempts.max(1) as u32,
                cooldown_minutes: c.cooldown_minutes.max(0) as u32,
                holders: holders.get(&c.id).copied().unwrap_or(0),
                created_at: c.created_at,
                updated_at: c.updated_at,
            })
        })
        .collect()
}

/// One certification as the API shows it.
async fn view(db: &impl ConnectionTrait, c: certification::Model) -> Result<Certification, ApiError> {
    views(db, vec![c]).await?.pop().ok_or_else(|| ApiError::Internal("a certification went missing".into()))
}

/// How many people hold an unexpired certificate, per certification.
async fn holders(db: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, u64>, ApiError> {
    let now = db::now();
    let rows: Vec<(i64, i64)> = certificate::Entity::find()
        .select_only()
        .column(certificate::Column::CertificationId)
        .column(certificate::Column::UserId)
        .filter(certificate::Column::CertificationId.is_in(ids.iter().copied()))
        .filter(
            sea_orm::Condition::any()
                .add(certificate::Column::ExpiresAt.is_null())
                .add(certificate::Column::ExpiresAt.gt(now)),
        )
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut out = HashMap::new();
    for (certification_id, _) in rows {
        *out.entry(certification_id).or_insert(0) += 1;
    }
    Ok(out)
}

/// Every certification, by title.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Certification>, ApiError> {
    views(db, certification::Entity::find().order_by_asc(certification::Column::Title).all(db).await?).await
}

/// Stores a checked certification, new or replacing `existing` (a new version if what it
/// requires changed). Returns it, and whether its requirements changed.
pub async fn save(
    db: &impl ConnectionTrait,
    existing: Option<certification::Model>,
    draft: Draft,
    by: Option<i64>,
) -> Result<(certification::Model, bool), ApiError> {
    let required = serde_json::json!(draft.required);
    let assessments = serde_json::json!(draft.assessments);
    let validity = draft.validity_months.map(|m| m as i32);
    let passing = i32::from(draft.passing_score);
    let now = db::now();
    let (mut active, changed) = match existing {
        Some(e) => {
            let changed = e.path_id != draft.path.id
                || e.required_module_ids != required
                || e.assessment_module_ids != assessments
                || e.passing_score != passing
                || e.validity_months != validity;
            let version = e.version + i32::from(changed);
            let mut active = e.into_active_model();
            active.version = Set(version);
            if changed {
                active.version_at = Set(Some(now));
            }
            (active, changed)
        }
        None => (
            certification::ActiveModel {
                version: Set(1),
                version_at: Set(Some(now)),
                created_by: Set(by),
                created_at: Set(now),
                ..Default::default()
            },
            true,
        ),
    };
    active.title = Set(draft.title);
    active.description = Set(draft.description);
    active.path_id = Set(draft.path.id);
    active.required_module_ids = Set(required);
    active.assessment_module_ids = Set(assessments);
    active.passing_score = Set(passing);
    active.validity_months = Set(validity);
    // How many attempts and how long between them apply from the next attempt issued:
    // not a new version (no certificate depends on them).
    active.max_attempts = Set(draft.max_attempts as i32);
    active.cooldown_minutes = Set(draft.cooldown_minutes as i32);
    active.updated_at = Set(now);
    let saved = active.save(db).await.map_err(|e| {
        if db::is_unique_violation(&e) {
            ApiError::invalid("path_id", "That path is already a certification; change that one instead.")
        } else {
            e.into()
        }
    })?;
    Ok((saved.try_into_model()?, changed))
}

/// Decides a certification for everyone who may already have earned it (they passed
/// every assessment quiz), one learner per transaction.
pub async fn award_existing(db: &DatabaseConnection, c: &certification::Model) -> Result<usize, ApiError> {
    let assessments = c.assessments()?;
    let rows: Vec<(i64, i64)> = module_progress::Entity::find()
        .select_only()
        .column(module_progress::Column::UserId)
        .column(module_progress::Column::ModuleId)
        .filter(module_progress::Column::ModuleId.is_in(assessments.clone()))
        .filter(module_progress::Column::BestScore.gte(c.passing_score))
        .into_tuple()
        .all(db)
        .await?;
    let mut passed: HashMap<i64, usize> = HashMap::new();
    for (user_id, _) in rows {
        *passed.entry(user_id).or_default() += 1;
    }
    let mut issued = 0;
    for (user_id, n) in passed {
        if n < assessments.len() {
            continue;
        }
        let txn = db::begin_write(db).await?;
        projection::lock_learner(&txn, user_id).await?;
        issued += award::award(&txn, user_id, award::Scope::Certification(c.id)).await?.len();
        txn.commit().await?;
    }
    Ok(issued)
}

/// Every certification. Roles: any (learners see what they can earn).
#[utoipa::path(
    get, path = "/api/v1/certifications", tag = "readiness",
    responses((status = 200, body = Vec<Certification>), (status = 401, description = "`unauthenticated`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn list_certifications(
    State(state): State<AppState>,
    who: Gate<reads::Certifications>,
) -> Result<Json<Vec<Certification>>, ApiError> {
    respond(&state, who, reads::Certifications).await
}

impl Serve for reads::Certifications {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, _: Auth<AnyRole>) -> Result<Vec<Certification>, ApiError> {
        list(&state.db).await
    }
}

/// Turn a learning path into a certification: the modules it requires, the quizzes of
/// its final assessment with a passing score, and how long a certificate stays valid.
/// Learners who already meet it get their certificate now. Roles: author, admin.
#[utoipa::path(
    post, path = "/api/v1/certifications", tag = "readiness",
    request_body = CertificationInput,
    responses(
        (status = 201, body = Certification),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn create_certification(
    State(state): State<AppState>,
    auth: Auth<Authors>,
    Json(input): Json<CertificationInput>,
) -> Result<(StatusCode, Json<Certification>), ApiError> {
    let draft = parse(&state.db, input, None).await?;
    let (created, _) = save(&state.db, None, draft, Some(auth.user().id)).await?;
    award_existing(&state.db, &created).await?;
    Ok((StatusCode::CREATED, Json(view(&state.db, created).await?)))
}

/// One certification. Roles: any.
#[utoipa::path(
    get, path = "/api/v1/certifications/{id}", tag = "readiness",
    params(("id" = i64, Path, description = "Certification id")),
    responses((status = 200, body = Certification), (status = 404, description = "`not_found`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn get_certification(
    State(state): State<AppState>,
    _auth: Auth<AnyRole>,
    Path(id): Path<i64>,
) -> Result<Json<Certification>, ApiError> {
    let c = certification::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("Certification"))?;
    Ok(Json(view(&state.db, c).await?))
}

/// Change a certification. A change to what it requires makes a new version; the
/// certificates already earned keep theirs. Roles: author, admin.
#[utoipa::path(
    put, path = "/api/v1/certifications/{id}", tag = "readiness",
    params(("id" = i64, Path, description = "Certification id")),
    request_body = CertificationInput,
    responses(
        (status = 200, body = Certification),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn update_certification(
    State(state): State<AppState>,
    _auth: Auth<Authors>,
    Path(id): Path<i64>,
    Json(input): Json<CertificationInput>,
) -> Result<Json<Certification>, ApiError> {
    let existing = certification::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("Certification"))?;
    let draft = parse(&state.db, input, Some(id)).await?;
    let (updated, changed) = save(&state.db, Some(existing), draft, None).await?;
    if changed {
        award_existing(&state.db, &updated).await?;
    }
    Ok(Json(view(&state.db, updated).await?))
}

/// Certificates as the API shows them, newest first, with whether a newer one of the
/// same certification replaced each.
pub async fn certificates_of(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<app::api::Certificate>, ApiError> {
    let rows = certificate::Entity::find()
        .filter(certificate::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_desc(certificate::Column::IssuedAt)
        .all(db)
        .await?;
    let names: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids.iter().copied()))
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut seen: HashSet<(i64, i64)> = HashSet::new();
    Ok(rows
        .into_iter()
        .map(|c| {
            // Newest first: the first of each (person, certification) is the current one.
            let renewed = !seen.insert((c.user_id, c.certification_id));
            let holder = names.get(&c.user_id).cloned().unwrap_or_default();
            to_api(c, holder, renewed, now)
        })
        .collect())
}

fn to_api(c: certificate::Model, holder: String, renewed: bool, now: DateTime<Utc>) -> app::api::Certificate {
    app::api::Certificate {
        id: c.id,
        code: c.code,
        certification_id: c.certification_id,
        certification: c.certification_title,
        version: c.certification_version,
        user_id: c.user_id,
        holder,
        issued_at: c.issued_at,
        expires_at: c.expires_at,
        score: c.score.map(|s| s.clamp(0, 100) as u8),
        status: CertificateStatus::at(c.expires_at, now),
        renewed,
    }
}

/// One certificate, with whether it was renewed since.
async fn one(db: &impl ConnectionTrait, c: certificate::Model) -> Result<app::api::Certificate, ApiError> {
    let holder = user::Entity::find_by_id(c.user_id).one(db).await?.map(|u| u.name).unwrap_or_default();
    let newer = certificate::Entity::find()
        .filter(certificate::Column::UserId.eq(c.user_id))
        .filter(certificate::Column::CertificationId.eq(c.certification_id))
        .filter(certificate::Column::IssuedAt.gt(c.issued_at))
        .one(db)
        .await?;
    Ok(to_api(c, holder, newer.is_some(), db::now()))
}

/// The certificates the signed-in person earned, newest first. Roles: any.
#[utoipa::path(
    get, path = "/api/v1/me/certificates", tag = "readiness",
    responses((status = 200, body = Vec<app::api::Certificate>), (status = 401, description = "`unauthenticated`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn my_certificates(
    State(state): State<AppState>,
    who: Gate<reads::MyCertificates>,
) -> Result<Json<Vec<app::api::Certificate>>, ApiError> {
    respond(&state, who, reads::MyCertificates).await
}

impl Serve for reads::MyCertificates {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, who: Auth<AnyRole>) -> Result<Vec<app::api::Certificate>, ApiError> {
        certificates_of(&state.db, &[who.user().id], db::now()).await
    }
}

/// One certificate, for whom it may concern: its holder, their managers and admins.
pub async fn certificate_for(
    db: &impl ConnectionTrait,
    viewer: &User,
    id: i64,
) -> Result<app::api::Certificate, ApiError> {
    let c = certificate::Entity::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::not_found("Certificate"))?;
    // Whether someone else's certificate exists is theirs to share: a 404, not a 403.
    if c.user_id != viewer.id && !users::is_responsible_for(db, viewer, c.user_id).await? {
        return Err(ApiError::not_found("Certificate"));
    }
    one(db, c).await
}

/// One certificate. Roles: its holder; managers and admins for their people.
#[utoipa::path(
    get, path = "/api/v1/certificates/{id}", tag = "readiness",
    params(("id" = i64, Path, description = "Certificate id")),
    responses((status = 200, body = app::api::Certificate), (status = 404, description = "`not_found`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn get_certificate(
    State(state): State<AppState>,
    who: Gate<reads::Certificate>,
    Path(id): Path<i64>,
) -> Result<Json<app::api::Certificate>, ApiError> {
    respond(&state, who, reads::Certificate { id }).await
}

impl Serve for reads::Certificate {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, who: Auth<AnyRole>) -> Result<app::api::Certificate, ApiError> {
        certificate_for(&state.db, who.user(), self.id).await
    }
}

/// What a verification code says, if it is a certificate's.
pub async fn verification(db: &impl ConnectionTrait, code: &str) -> Result<Verification, ApiError> {
    let unknown = || ApiError::NotFound("No certificate has this code. Check it against the printed one.".into());
    let code = normalise_code(code).ok_or_else(unknown)?;
    let c =
        certificate::Entity::find().filter(certificate::Column::Code.eq(code)).one(db).await?.ok_or_else(unknown)?;
    Ok(one(db, c).await?.into())
}

/// Checks a certificate by its verification code: who holds it, for what, since when and
/// until when. Public: anyone with the code may ask.
#[utoipa::path(
    get, path = "/api/v1/verify/{code}", tag = "readiness",
    params(("code" = String, Path, description = "Verification code, e.g. K7Q2-M9XD-P4AB")),
    responses((status = 200, body = Verification), (status = 404, description = "`not_found`: no certificate has this code", body = ErrorBody)),
)]
pub async fn verify(
    State(state): State<AppState>,
    who: Gate<reads::Verification>,
    Path(code): Path<String>,
) -> Result<Json<Verification>, ApiError> {
    respond(&state, who, reads::Verification { code }).await
}

/// Public: anyone with the code may ask.
impl Serve for reads::Verification {
    type Access = crate::auth::MaybeViewer;
    async fn serve(self, state: &AppState, _: crate::auth::MaybeViewer) -> Result<Verification, ApiError> {
        verification(&state.db, &self.code).await
    }
}
