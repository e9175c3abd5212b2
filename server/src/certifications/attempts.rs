//! Assessment attempts: a certification's quiz is answered under an attempt the server
//! issues (`POST /api/v1/assessments/{module_id}/attempts`), and only the first record
//! received for an attempt is scored. Without this one sync batch with every answer
//! combination (four for a two-question quiz) earned a certificate at 100 %.
//!
//! Offline keeps working: saving the module asks for an attempt, which is saved with it
//! and answered on the phone like any quiz. Asking again returns the attempt still open;
//! asking costs nothing (only answering uses an attempt), but a new attempt is issued
//! only while the learner has attempts left (the author's maximum, per certificate) and
//! the cooldown since the last one has passed. A phone from before attempts existed
//! sends its answers without one: they count if an attempt could have been issued then,
//! and use it.

use std::collections::{HashMap, HashSet};

use app::api::{AssessmentAttempt, ErrorBody, ModuleContent, User};
use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use rand::seq::SliceRandom;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use crate::{
    auth::{AnyRole, Auth},
    db::{
        self,
        entities::{assessment_attempt, certificate, certification, learning_record},
    },
    error::{ApiError, Json, Path},
    modules::catalog,
    projection,
    state::AppState,
};

/// What a learner is allowed at one assessment quiz.
#[derive(Debug, Clone)]
pub struct Allowance {
    /// Attempts per certificate (the strictest of the certifications it is part of).
    pub max: u32,
    pub cooldown: TimeDelta,
    /// Attempts count from here: the learner's last certificate of those certifications.
    pub since: Option<DateTime<Utc>>,
}

/// What `user_id` is allowed at `module_id`, or `None` if it is no certification's
/// assessment.
pub async fn allowance(db: &impl ConnectionTrait, user_id: i64, module_id: i64) -> Result<Option<Allowance>, ApiError> {
    let mut of_it = Vec::new();
    for c in certification::Entity::find().all(db).await? {
        if c.assessments()?.contains(&module_id) {
            of_it.push(c);
        }
    }
    if of_it.is_empty() {
        return Ok(None);
    }
    let since = certificate::Entity::find()
        .filter(certificate::Column::UserId.eq(user_id))
        .filter(certificate::Column::CertificationId.is_in(of_it.iter().map(|c| c.id)))
        .order_by_desc(certificate::Column::IssuedAt)
        .one(db)
        .await?
        .map(|c| c.issued_at);
    Ok(Some(Allowance {
        max: of_it.iter().map(|c| c.max_attempts.max(1) as u32).min().unwrap_or(1),
        cooldown: TimeDelta::minutes(of_it.iter().map(|c| i64::from(c.cooldown_minutes.max(0))).max().unwrap_or(0)),
        since,
    }))
}

/// The attempts `user_id` used at `module_id` since `since`, newest first.
async fn used(
    db: &impl ConnectionTrait,
    user_id: i64,
    module_id: i64,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<assessment_attempt::Model>, ApiError> {
    let mut query = assessment_attempt::Entity::find()
        .filter(assessment_attempt::Column::UserId.eq(user_id))
        .filter(assessment_attempt::Column::ModuleId.eq(module_id))
        .filter(assessment_attempt::Column::UsedAt.is_not_null());
    if let Some(since) = since {
        query = query.filter(assessment_attempt::Column::UsedAt.gt(since));
    }
    Ok(query.order_by_desc(assessment_attempt::Column::UsedAt).all(db).await?)
}

/// Whether another attempt may be issued now: `Ok` with the number used so far, or why
/// not (`attempts_used`, `cooling_down` with the time left).
async fn may_issue(
    db: &impl ConnectionTrait,
    user_id: i64,
    module_id: i64,
    allowance: &Allowance,
    now: DateTime<Utc>,
) -> Result<u32, ApiError> {
    let used = used(db, user_id, module_id, allowance.since).await?;
    if used.len() as u32 >= allowance.max {
        return Err(ApiError::AttemptsUsed(allowance.max));
    }
    if let Some(next) = used.first().and_then(|a| a.used_at).map(|at| at + allowance.cooldown)
        && next > now
    {
        return Err(ApiError::CoolingDown { retry_after: (next - now).to_std().unwrap_or_default() });
    }
    Ok(used.len() as u32)
}

/// The questions of an attempt at a quiz of `count` questions: all of them, or `draw`
/// of them, in a random order.
fn draw_questions(count: usize, draw: Option<u8>) -> Vec<u32> {
    let mut order: Vec<u32> = (0..count as u32).collect();
    order.shuffle(&mut rand::rng());
    if let Some(k) = draw {
        order.truncate(usize::from(k));
    }
    order
}

async fn insert(
    db: &impl ConnectionTrait,
    user_id: i64,
    module_id: i64,
    module_version: i32,
    questions: &[u32],
    issued_at: DateTime<Utc>,
) -> Result<assessment_attempt::Model, ApiError> {
    Ok(assessment_attempt::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        user_id: Set(user_id),
        module_id: Set(module_id),
        module_version: Set(module_version),
        questions: Set(serde_json::json!(questions)),
        issued_at: Set(issued_at),
        used_at: Set(None),
        record_id: Set(None),
    }
    .insert(db)
    .await?)
}

fn to_api(a: &assessment_attempt::Model, used: u32, allowed: u32) -> Result<AssessmentAttempt, ApiError> {
    Ok(AssessmentAttempt {
        id: a.id.clone(),
        module_id: a.module_id,
        module_version: a.module_version,
        questions: a.questions()?,
        issued_at: a.issued_at,
        attempts_used: used,
        attempts_allowed: allowed,
    })
}

/// The attempt still open for `user` at the published version of an assessment they may
/// open (`None` if there is none), with what they are allowed.
async fn open(
    db: &impl ConnectionTrait,
    user: &User,
    module_id: i64,
) -> Result<(Option<assessment_attempt::Model>, i32, ModuleContent, Allowance), ApiError> {
    let module = catalog::module_for(db, user, module_id).await?;
    let not_an_assessment = || ApiError::NotFound("That module is not a certification's assessment.".into());
    if !module.assessment {
        return Err(not_an_assessment());
    }
    let allowance = allowance(db, user.id, module_id).await?.ok_or_else(not_an_assessment)?;
    let open = assessment_attempt::Entity::find()
        .filter(assessment_attempt::Column::UserId.eq(user.id))
        .filter(assessment_attempt::Column::ModuleId.eq(module_id))
        .filter(assessment_attempt::Column::ModuleVersion.eq(module.version))
        .filter(assessment_attempt::Column::UsedAt.is_null())
        .one(db)
        .await?;
    Ok((open, module.version, module.content, allowance))
}

/// The open attempt, or a new one if the learner may have it. `true` if it is new.
pub async fn issue(
    db: &sea_orm::DatabaseConnection,
    user: &User,
    module_id: i64,
) -> Result<(AssessmentAttempt, bool), ApiError> {
    let txn = db::begin_write(db).await?;
    // One learner's attempts are issued one at a time (two tabs asking at once get one).
    projection::lock_learner(&txn, user.id).await?;
    let (open, version, content, allowance) = open(&txn, user, module_id).await?;
    let used = used(&txn, user.id, module_id, allowance.since).await?.len() as u32;
    if let Some(open) = open {
        return Ok((to_api(&open, used, allowance.max)?, false));
    }
    let now = db::now();
    may_issue(&txn, user.id, module_id, &allowance, now).await?;
    let ModuleContent::Quiz { questions, draw, .. } = &content else {
        return Err(ApiError::Internal(format!("assessment {module_id} is not a quiz")));
    };
    let attempt = insert(&txn, user.id, module_id, version, &draw_questions(questions.len(), *draw), now).await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, module_id, attempt = %attempt.id, "assessment attempt issued");
    Ok((to_api(&attempt, used, allowance.max)?, true))
}

/// The attempts named by records of one learner, by id (others' are not found).
pub async fn named(
    db: &impl ConnectionTrait,
    user_id: i64,
    ids: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, assessment_attempt::Model>, ApiError> {
    let ids: HashSet<String> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(assessment_attempt::Entity::find()
        .filter(assessment_attempt::Column::UserId.eq(user_id))
        .filter(assessment_attempt::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect())
}

/// Decides, in the sync transaction (the learner locked), whether a new quiz attempt
/// record at an assessment counts: the first record received for an attempt does (and
/// uses it); any other is kept, not counted. A record without an attempt (an older
/// phone's) counts if an attempt could be issued now, and uses a new one.
pub async fn claim(
    txn: &impl ConnectionTrait,
    record: &learning_record::Model,
    question_count: usize,
) -> Result<bool, ApiError> {
    let (user_id, module_id, received_at) = (record.user_id, record.module_id, record.received_at);
    let attempt = match &record.attempt_id {
        Some(id) => match assessment_attempt::Entity::find_by_id(id.clone()).one(txn).await? {
            Some(a) if a.user_id == user_id && a.used_at.is_none() => a,
            _ => return Ok(false),
        },
        None => {
            let Some(allowance) = allowance(txn, user_id, module_id).await? else { return Ok(true) };
            match may_issue(txn, user_id, module_id, &allowance, received_at).await {
                Ok(_) => {}
                Err(ApiError::AttemptsUsed(_) | ApiError::CoolingDown { .. }) => return Ok(false),
                Err(e) => return Err(e),
            }
            let every: Vec<u32> = (0..question_count as u32).collect();
            insert(txn, user_id, module_id, record.module_version, &every, received_at).await?
        }
    };
    let mut active = attempt.into_active_model();
    active.used_at = Set(Some(received_at));
    active.record_id = Set(Some(record.id.clone()));
    active.update(txn).await?;
    Ok(true)
}

/// Start an attempt at a certification's assessment quiz (or get the one still open):
/// its questions in the order to show them (drawn from the pool, if the quiz has one).
/// Only the first answers received for an attempt count. 201 for a new attempt, 200 for
/// the open one. Roles: any.
#[utoipa::path(
    post, path = "/api/v1/assessments/{module_id}/attempts", tag = "readiness",
    params(("module_id" = i64, Path, description = "The assessment quiz")),
    responses(
        (status = 201, description = "A new attempt", body = AssessmentAttempt),
        (status = 200, description = "The attempt still open", body = AssessmentAttempt),
        (status = 404, description = "`not_found`: not an assessment you may open", body = ErrorBody),
        (status = 409, description = "`attempts_used`: every attempt allowed is used", body = ErrorBody),
        (status = 429, description = "`cooling_down`: the next attempt opens later; see `Retry-After`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn start_attempt(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Path(module_id): Path<i64>,
) -> Result<(StatusCode, Json<AssessmentAttempt>), ApiError> {
    let (attempt, new) = issue(&state.db, auth.user(), module_id).await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(attempt)))
}

/// The attempt still open at an assessment (what a phone saves with the module).
/// Roles: any.
#[utoipa::path(
    get, path = "/api/v1/assessments/{module_id}/attempt", tag = "readiness",
    params(("module_id" = i64, Path, description = "The assessment quiz")),
    responses(
        (status = 200, body = AssessmentAttempt),
        (status = 404, description = "`not_found`: no attempt open (start one), or not an assessment", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn open_attempt(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Path(module_id): Path<i64>,
) -> Result<Json<AssessmentAttempt>, ApiError> {
    let user = auth.user();
    let (open, _, _, allowance) = open(&state.db, user, module_id).await?;
    let open = open.ok_or_else(|| ApiError::NotFound("No attempt is open; start one.".into()))?;
    let used = used(&state.db, user.id, module_id, allowance.since).await?.len() as u32;
    Ok(Json(to_api(&open, used, allowance.max)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_draw_from_the_pool_in_a_random_order() {
        let all = draw_questions(5, None);
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4]);
        for _ in 0..20 {
            let drawn = draw_questions(30, Some(5));
            assert_eq!(drawn.len(), 5);
            assert!(drawn.iter().all(|&q| q < 30));
            assert_eq!(drawn.iter().collect::<HashSet<_>>().len(), 5, "each question once");
        }
        // Thirty questions, five drawn: the same draw twice in a row is rare.
        let draws: HashSet<Vec<u32>> = (0..10).map(|_| draw_questions(30, Some(5))).collect();
        assert!(draws.len() > 1);
    }
}
