//! Reviews of submitted takes: a manager or a teammate scores a take against its
//! module's rubric, with comments at points in it.
//!
//! A review is a learning record of the learner's (`practice_review`, `about` its
//! submission), written by the server under the learner's lock like a sync batch, so it
//! is folded into their progress, their evidence and certificates, the xAPI export, and
//! `primer rebuild` gives the same progress. Whether the submission stands passed after
//! it (`app::api::decide`: the latest manager's review, otherwise the mean of enough
//! peers') is decided then and kept on the row (`passed`); a review that makes it pass
//! completes the module.

use std::collections::{HashMap, HashSet};

use app::{
    api::{
        ErrorBody, ModuleContent, RecordKind, Review, ReviewInput, ReviewerRole, Reviewers, Role, Submission, User,
        WaitingReview, decide, media_url, percent, practice::review_limits as limits, weigh,
    },
    reads,
};
use axum::{extract::State, http::StatusCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{AnyRole, Auth},
    certifications,
    db::{
        self,
        entities::{certificate, certification, learning_record, module_version, take, user},
    },
    error::{ApiError, Json},
    projection,
    reads::{Gate, Serve, respond},
    state::AppState,
};

/// `GET` and `POST /api/v1/reviews`, featuring a take, and `GET /api/v1/me/practice`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(waiting, submit)).routes(routes!(mine)).routes(routes!(feature))
}

/// The most submissions `GET /api/v1/reviews` lists (the oldest first).
const WAITING_SHOWN: usize = 200;

/// A review's payload as stored on its record.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    submission_id: String,
    reviewer_id: i64,
    #[serde(rename = "as")]
    as_role: ReviewerRole,
    scores: Vec<app::api::CriterionScore>,
    comments: Vec<app::api::TimedComment>,
    summary: String,
    /// Points got and possible, as weighed when it was given.
    got: u32,
    of: u32,
}

/// How `viewer` stands to `learner` for a module reviewed by `reviewers`: the role their
/// review counts as, or `None` if they don't review this learner's takes of it.
pub fn standing(viewer: &User, learner: &user::Model, reviewers: Reviewers) -> Option<ReviewerRole> {
    if viewer.id == learner.id {
        return None;
    }
    let manages = viewer.role == Role::Admin
        || (viewer.role == Role::Manager && learner.team_id.is_some_and(|t| viewer.manages.iter().any(|m| m.id == t)));
    let peer = learner.team_id.is_some() && viewer.team_id == learner.team_id;
    match reviewers {
        Reviewers::Manager | Reviewers::Both if manages => Some(ReviewerRole::Manager),
        Reviewers::Peers | Reviewers::Both if peer => Some(ReviewerRole::Peer),
        _ => None,
    }
}

/// The practice settings a submission's version holds.
struct Practice {
    prompt: String,
    rubric: app::api::Rubric,
    pass_percent: u8,
    reviewers: Reviewers,
    peer_reviews: u8,
    title: String,
}

fn practice_of(version: &module_version::Model) -> Result<Option<Practice>, ApiError> {
    Ok(match version.content()? {
        ModuleContent::Practice { prompt, rubric, pass_percent, reviewers, peer_reviews, .. } => {
            Some(Practice { prompt, rubric, pass_percent, reviewers, peer_reviews, title: version.title.clone() })
        }
        _ => None,
    })
}

fn stored_of(row: &learning_record::Model) -> Result<Stored, ApiError> {
    serde_json::from_value(row.payload.clone()).map_err(|e| ApiError::Internal(format!("review {}: {e}", row.id)))
}

/// The reviews of these submissions, oldest first.
async fn reviews_of(
    db: &impl ConnectionTrait,
    submissions: &[String],
) -> Result<Vec<learning_record::Model>, ApiError> {
    if submissions.is_empty() {
        return Ok(Vec::new());
    }
    Ok(learning_record::Entity::find()
        .filter(learning_record::Column::Kind.eq(RecordKind::PracticeReview.as_str()))
        .filter(learning_record::Column::About.is_in(submissions.to_vec()))
        .order_by_asc(learning_record::Column::OccurredAt)
        .order_by_asc(learning_record::Column::Id)
        .all(db)
        .await?)
}

fn to_api(row: &learning_record::Model, stored: Stored, names: &HashMap<i64, String>) -> Review {
    Review {
        id: row.id.clone(),
        submission_id: stored.submission_id,
        reviewer_id: stored.reviewer_id,
        reviewer_name: names.get(&stored.reviewer_id).cloned().unwrap_or_default(),
        as_role: stored.as_role,
        scores: stored.scores,
        comments: stored.comments,
        summary: stored.summary,
        percent: percent((stored.got, stored.of)),
        passed: row.passed,
        created_at: row.occurred_at,
    }
}

/// Checks the comments and summary of a review of a take `seconds` long.
fn check_words(input: &ReviewInput, seconds: u32) -> Result<(), ApiError> {
    if input.comments.len() > limits::COMMENTS {
        return Err(ApiError::invalid("comments", format!("Leave at most {} comments.", limits::COMMENTS)));
    }
    for c in &input.comments {
        let chars = c.text.trim().chars().count();
        if chars == 0 || chars > limits::COMMENT_CHARS {
            return Err(ApiError::invalid(
                "comments",
                format!("Write each comment in 1 to {} characters.", limits::COMMENT_CHARS),
            ));
        }
        // A point in the take (a little past its end: the phone's clock of it).
        if !c.at_seconds.is_finite() || c.at_seconds < 0.0 || c.at_seconds > f64::from(seconds) + 1.0 {
            return Err(ApiError::invalid("comments", "Put each comment at a point in the take."));
        }
    }
    if input.summary.chars().count() > limits::SUMMARY_CHARS {
        return Err(ApiError::invalid(
            "summary",
            format!("Keep the summary under {} characters.", limits::SUMMARY_CHARS),
        ));
    }
    Ok(())
}

/// A submission as reviewing and featuring find it: its record, its person and its
/// module's practice settings.
struct FoundSubmission {
    /// Its record's id, in the hyphenated form records are stored under.
    id: String,
    record: learning_record::Model,
    learner: user::Model,
    practice: Practice,
}

/// The submission `raw_id` names, or 404 (a malformed id, no such submission, or its
/// version has no practice settings).
async fn submission_for(db: &impl sea_orm::ConnectionTrait, raw_id: &str) -> Result<FoundSubmission, ApiError> {
    let not_found = || ApiError::not_found("Submission");
    let id = uuid::Uuid::parse_str(raw_id.trim()).map_err(|_| not_found())?.hyphenated().to_string();
    let record = learning_record::Entity::find_by_id(id.clone())
        .filter(learning_record::Column::Kind.eq(RecordKind::PracticeSubmission.as_str()))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let learner = user::Entity::find_by_id(record.user_id).one(db).await?.ok_or_else(not_found)?;
    let version = module_version::Entity::find_by_id((record.module_id, record.module_version))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let practice = practice_of(&version)?.ok_or_else(not_found)?;
    Ok(FoundSubmission { id, record, learner, practice })
}

/// Scores a submitted take (once per reviewer): every criterion of its rubric from 1 to
/// the scale's top, comments at points in the take, a summary. Answers the review and
/// whether the submission now stands passed; a pass completes the module. Roles: the
/// learner's managers (and admins) and, when the module asks peers, their teammates;
/// anyone else gets 404.
#[utoipa::path(
    post, path = "/api/v1/reviews", tag = "practice",
    request_body = ReviewInput,
    responses(
        (status = 201, description = "Stored", body = Review),
        (status = 404, description = "`not_found`: no submission this person reviews", body = ErrorBody),
        (status = 409, description = "`already_reviewed`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a score, comment or the summary (`field` says which)", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
async fn submit(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Json(input): Json<ReviewInput>,
) -> Result<(StatusCode, axum::Json<Review>), ApiError> {
    let viewer = auth.user();
    let not_found = || ApiError::not_found("Submission");
    let txn = db::begin_write(&state.db).await?;
    let FoundSubmission { id: submission_id, record: submission, learner, practice } =
        submission_for(&txn, &input.submission_id).await?;
    let as_role = standing(viewer, &learner, practice.reviewers).ok_or_else(not_found)?;
    let seconds = submission.payload.get("seconds").and_then(|s| s.as_u64()).unwrap_or(0) as u32;
    let (got, of) = weigh(&practice.rubric, &input.scores).map_err(|m| ApiError::invalid("scores", m))?;
    check_words(&input, seconds)?;

    // Under the learner's lock, as their records are: reviews of one submission are
    // decided in one order, and their progress moves once.
    projection::lock_learner(&txn, learner.id).await?;
    let earlier = reviews_of(&txn, std::slice::from_ref(&submission_id)).await?;
    let mut weighed = Vec::with_capacity(earlier.len() + 1);
    for row in &earlier {
        let stored = stored_of(row)?;
        if stored.reviewer_id == viewer.id {
            return Err(ApiError::AlreadyReviewed);
        }
        weighed.push((stored.as_role, stored.got, stored.of));
    }
    weighed.push((as_role, got, of));
    let passed = decide(&weighed, practice.peer_reviews, practice.pass_percent);

    let now = db::now();
    let stored = Stored {
        submission_id: submission_id.clone(),
        reviewer_id: viewer.id,
        as_role,
        scores: input.scores,
        comments: input
            .comments
            .into_iter()
            .map(|c| app::api::TimedComment { at_seconds: c.at_seconds, text: c.text.trim().to_string() })
            .collect(),
        summary: input.summary.trim().to_string(),
        got,
        of,
    };
    let payload = serde_json::to_value(&stored).expect("a review serializes");
    let id = uuid::Uuid::now_v7().hyphenated().to_string();
    let row = learning_record::Model {
        fingerprint: hex::encode(Sha256::digest(format!("{id}:{payload}").as_bytes())),
        id,
        user_id: learner.id,
        device_id: "review".into(),
        kind: RecordKind::PracticeReview.as_str().into(),
        module_id: submission.module_id,
        module_version: submission.module_version,
        occurred_at: now,
        device_occurred_at: now,
        received_at: now,
        payload,
        score: Some(i32::from(percent((got, of)))),
        passed,
        counted: true,
        attempt_id: None,
        about: Some(submission_id),
    };
    learning_record::Entity::insert(sea_orm::IntoActiveModel::into_active_model(row.clone()))
        .exec_without_returning(&txn)
        .await?;
    projection::add_evidence(&txn, learner.id, projection::fold_evidence([&row])).await?;
    projection::update(&txn, learner.id, projection::effect_of(&row).into_iter().collect()).await?;
    if passed == Some(true) {
        let certifications = certification::Entity::find().all(&txn).await?;
        let held = certificate::newest_held(&txn, learner.id).await?;
        let touched = HashSet::from([row.module_id]);
        certifications::award::award_among(
            &txn,
            learner.id,
            certifications::award::Scope::Modules(&touched),
            &certifications,
            &held,
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!(review = %row.id, submission = ?row.about, passed = ?row.passed, "take reviewed");
    let names = HashMap::from([(viewer.id, viewer.name.clone())]);
    Ok((StatusCode::CREATED, axum::Json(to_api(&row, stored, &names))))
}

/// Submitted takes waiting for the signed-in person's review, the longest waiting first:
/// for a manager their people's that no manager has reviewed yet; for a teammate (when
/// the module asks peers) those still short of peer reviews that no manager decided. No
/// other reviewer's scores are in it. Roles: any (a learner's list is their teammates').
#[utoipa::path(
    get, path = "/api/v1/reviews", tag = "practice",
    responses((status = 200, description = "What waits for this reviewer", body = Vec<WaitingReview>)),
    security(("primer_session" = []))
)]
async fn waiting(
    State(state): State<AppState>,
    who: Gate<reads::Reviews>,
) -> Result<Json<Vec<WaitingReview>>, ApiError> {
    respond(&state, who, reads::Reviews).await
}

impl Serve for reads::Reviews {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, who: Auth<AnyRole>) -> Result<Vec<WaitingReview>, ApiError> {
        waiting_for(&state.db, who.user()).await
    }
}

/// What waits for `viewer`'s review (see `GET /api/v1/reviews`).
pub async fn waiting_for(db: &impl ConnectionTrait, viewer: &User) -> Result<Vec<WaitingReview>, ApiError> {
    // The people this viewer could review at all: those they manage, their team.
    let mut people = user::Entity::find();
    if viewer.role != Role::Admin {
        let mut teams: Vec<i64> = viewer.manages.iter().map(|t| t.id).collect();
        teams.extend(viewer.team_id);
        if teams.is_empty() {
            return Ok(Vec::new());
        }
        people = people.filter(user::Column::TeamId.is_in(teams));
    }
    let people: HashMap<i64, user::Model> =
        people.filter(user::Column::Id.ne(viewer.id)).all(db).await?.into_iter().map(|u| (u.id, u)).collect();
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let submissions = learning_record::Entity::find()
        .filter(learning_record::Column::Kind.eq(RecordKind::PracticeSubmission.as_str()))
        .filter(learning_record::Column::UserId.is_in(people.keys().copied()))
        .order_by_asc(learning_record::Column::OccurredAt)
        .all(db)
        .await?;
    // A take its person deleted no longer waits.
    let named: Vec<String> = submissions.iter().filter_map(|s| s.about.clone()).collect();
    let kept = takes_named(db, named).await?;
    let submissions: Vec<_> = submissions
        .into_iter()
        .filter(|s| s.about.as_ref().is_some_and(|m| kept.contains_key(&(s.user_id, m.clone()))))
        .collect();
    let ids: Vec<String> = submissions.iter().map(|s| s.id.clone()).collect();
    let mut reviews: HashMap<String, Vec<Stored>> = HashMap::new();
    for row in reviews_of(db, &ids).await? {
        let stored = stored_of(&row)?;
        reviews.entry(stored.submission_id.clone()).or_default().push(stored);
    }
    let pairs: HashSet<(i64, i32)> = submissions.iter().map(|s| (s.module_id, s.module_version)).collect();
    let mut practices: HashMap<(i64, i32), Practice> = HashMap::new();
    for (module_id, version) in pairs {
        if let Some(v) = module_version::Entity::find_by_id((module_id, version)).one(db).await?
            && let Some(p) = practice_of(&v)?
        {
            practices.insert((module_id, version), p);
        }
    }
    let mut out = Vec::new();
    for s in submissions {
        let (Some(learner), Some(practice)) = (people.get(&s.user_id), practices.get(&(s.module_id, s.module_version)))
        else {
            continue;
        };
        let Some(as_role) = standing(viewer, learner, practice.reviewers) else { continue };
        let given = reviews.get(&s.id).map(Vec::as_slice).unwrap_or_default();
        let mine = given.iter().any(|r| r.reviewer_id == viewer.id);
        let by_manager = given.iter().any(|r| r.as_role == ReviewerRole::Manager);
        let peers = given.iter().filter(|r| r.as_role == ReviewerRole::Peer).count();
        let waits = match as_role {
            ReviewerRole::Manager => !by_manager,
            _ => !by_manager && peers < usize::from(practice.peer_reviews),
        };
        if mine || !waits {
            continue;
        }
        let media_id = s.payload.get("media_id").and_then(|m| m.as_str()).unwrap_or_default().to_string();
        out.push(WaitingReview {
            submission_id: s.id.clone(),
            learner_id: learner.id,
            learner_name: learner.name.clone(),
            module_id: s.module_id,
            module_version: s.module_version,
            title: practice.title.clone(),
            prompt: practice.prompt.clone(),
            rubric: practice.rubric.clone(),
            pass_percent: practice.pass_percent,
            media_url: media_url(&media_id),
            media_id,
            seconds: s.payload.get("seconds").and_then(|v| v.as_u64()).unwrap_or(0) as u32,
            submitted_at: s.occurred_at,
            as_role,
            shared: s
                .about
                .as_ref()
                .and_then(|m| kept.get(&(s.user_id, m.clone())))
                .is_some_and(|t| t.shared_at.is_some()),
        });
        if out.len() == WAITING_SHOWN {
            break;
        }
    }
    Ok(out)
}

/// The takes these media ids are, by (person, media id).
async fn takes_named(
    db: &impl ConnectionTrait,
    media_ids: Vec<String>,
) -> Result<HashMap<(i64, String), take::Model>, ApiError> {
    if media_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(take::Entity::find()
        .filter(take::Column::MediaSha256.is_in(media_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| ((t.user_id, t.media_sha256.clone()), t))
        .collect())
}

/// Features a take for its person's team, or stops featuring it. Only a take whose
/// person agreed (`shared`) can be featured: 409 `not_shared` otherwise. Roles: when
/// managers review the module, the learner's managers (and admins); a teammate who
/// reviewed this submission; anyone else gets 404.
#[utoipa::path(
    put, path = "/api/v1/reviews/{id}/feature", tag = "practice",
    params(("id" = String, Path, description = "The submission's id (its `practice_submission` record's)")),
    request_body = app::api::FeatureInput,
    responses(
        (status = 200, description = "Where the take stands", body = app::api::TakeSharing),
        (status = 404, description = "`not_found`: no submission this person may feature (or its take was deleted)", body = ErrorBody),
        (status = 409, description = "`not_shared`: its person hasn't agreed to share it", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
async fn feature(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    crate::error::Path(submission_id): crate::error::Path<String>,
    Json(input): Json<app::api::FeatureInput>,
) -> Result<axum::Json<app::api::TakeSharing>, ApiError> {
    let viewer = auth.user();
    let not_found = || ApiError::not_found("Submission");
    let txn = db::begin_write(&state.db).await?;
    let FoundSubmission { id: submission_id, record: submission, learner, practice } =
        submission_for(&txn, &submission_id).await?;
    let allowed = match standing(viewer, &learner, practice.reviewers) {
        Some(ReviewerRole::Manager) => true,
        // A teammate features only what they reviewed.
        Some(_) => reviews_of(&txn, std::slice::from_ref(&submission_id))
            .await?
            .iter()
            .map(stored_of)
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .any(|r| r.reviewer_id == viewer.id),
        None => false,
    };
    if !allowed {
        return Err(not_found());
    }
    let media_id = submission.about.clone().ok_or_else(not_found)?;
    let this_take = || {
        take::Entity::update_many()
            .filter(take::Column::UserId.eq(learner.id))
            .filter(take::Column::MediaSha256.eq(media_id.as_str()))
    };
    use sea_orm::sea_query::Expr;
    if input.featured {
        // One statement that checks consent as it writes: a withdrawal committed a moment
        // before is seen (a read, then a write, could feature a take no longer shared).
        // Featured again: it keeps its place on Home, by the first one's date.
        this_take()
            .col_expr(take::Column::FeaturedAt, Expr::value(db::now()))
            .col_expr(take::Column::FeaturedBy, Expr::value(viewer.id))
            .col_expr(take::Column::FeaturedTeamId, Expr::value(learner.team_id))
            .filter(take::Column::SharedAt.is_not_null())
            .filter(
                sea_orm::Condition::any()
                    .add(take::Column::FeaturedAt.is_null())
                    .add(take::Column::FeaturedTeamId.is_null())
                    .add(take::Column::FeaturedTeamId.ne(learner.team_id)),
            )
            .exec(&txn)
            .await?;
    } else {
        this_take()
            .col_expr(take::Column::FeaturedAt, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
            .col_expr(take::Column::FeaturedBy, Expr::value(Option::<i64>::None))
            .col_expr(take::Column::FeaturedTeamId, Expr::value(Option::<i64>::None))
            .exec(&txn)
            .await?;
    }
    let row = take::Entity::find_by_id((learner.id, media_id.clone())).one(&txn).await?.ok_or_else(not_found)?;
    if input.featured && row.shared_at.is_none() {
        return Err(ApiError::NotShared);
    }
    txn.commit().await?;
    tracing::info!(submission = %submission_id, by = viewer.id, featured = input.featured, "take featured");
    Ok(axum::Json(crate::practice::takes::sharing_of(&row)))
}

/// The signed-in person's submitted takes, newest first, each with its reviews (scores
/// per criterion, comments at their points in the take, summary) and whether it stands
/// passed. Roles: any.
#[utoipa::path(
    get, path = "/api/v1/me/practice", tag = "practice",
    responses((status = 200, description = "Their submissions and the feedback on them", body = Vec<Submission>)),
    security(("primer_session" = []))
)]
async fn mine(State(state): State<AppState>, auth: Auth<AnyRole>) -> Result<axum::Json<Vec<Submission>>, ApiError> {
    let db = &state.db;
    let submissions = learning_record::Entity::find()
        .filter(learning_record::Column::Kind.eq(RecordKind::PracticeSubmission.as_str()))
        .filter(learning_record::Column::UserId.eq(auth.user().id))
        .order_by_desc(learning_record::Column::OccurredAt)
        .all(db)
        .await?;
    let ids: Vec<String> = submissions.iter().map(|s| s.id.clone()).collect();
    let rows = reviews_of(db, &ids).await?;
    let mut stored = Vec::with_capacity(rows.len());
    for row in rows {
        let s = stored_of(&row)?;
        stored.push((row, s));
    }
    let reviewer_ids: HashSet<i64> = stored.iter().map(|(_, s)| s.reviewer_id).collect();
    let names: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(reviewer_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut by_submission: HashMap<String, Vec<Review>> = HashMap::new();
    for (row, s) in stored {
        by_submission.entry(s.submission_id.clone()).or_default().push(to_api(&row, s, &names));
    }
    let takes = takes_named(db, submissions.iter().filter_map(|s| s.about.clone()).collect()).await?;
    let mut titles: HashMap<(i64, i32), String> = HashMap::new();
    for s in &submissions {
        if let std::collections::hash_map::Entry::Vacant(e) = titles.entry((s.module_id, s.module_version)) {
            let title =
                module_version::Entity::find_by_id((s.module_id, s.module_version)).one(db).await?.map(|v| v.title);
            e.insert(title.unwrap_or_default());
        }
    }
    Ok(axum::Json(
        submissions
            .into_iter()
            .map(|s| {
                let reviews = by_submission.remove(&s.id).unwrap_or_default();
                let media_id = s.payload.get("media_id").and_then(|m| m.as_str()).unwrap_or_default().to_string();
                let take = takes.get(&(s.user_id, media_id.clone()));
                Submission {
                    shared: take.is_some_and(|t| t.shared_at.is_some()),
                    featured: take.is_some_and(crate::practice::takes::is_featured),
                    title: titles.get(&(s.module_id, s.module_version)).cloned().unwrap_or_default(),
                    passed: reviews.iter().rev().find_map(|r| r.passed),
                    submission_id: s.id,
                    module_id: s.module_id,
                    module_version: s.module_version,
                    media_url: media_url(&media_id),
                    media_id,
                    seconds: s.payload.get("seconds").and_then(|v| v.as_u64()).unwrap_or(0) as u32,
                    submitted_at: s.occurred_at,
                    reviews,
                }
            })
            .collect(),
    ))
}
