//! Sync: learning records from learners' devices, stored exactly once, and the progress
//! folded from them.
//!
//! A batch is checked record by record (a bad record is rejected in a 200, never the
//! batch), then stored in one transaction; the answer goes out only after the commit,
//! so a record the device sees acknowledged is durable, and a retry after a lost answer
//! finds it (`duplicate`) instead of storing it twice.

pub mod projection;
pub mod xapi;

use std::collections::{HashMap, HashSet};

use app::api::{
    ErrorBody, LearningRecord, MAX_BATCH, ModuleContent, Payload, Progress, RecordResult, RecordStatus, RejectCode,
    SyncRequest, SyncResponse, User, score_quiz,
};
use axum::extract::{DefaultBodyLimit, State};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, sea_query::OnConflict,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    accounts::users,
    app::AppState,
    auth::{AnyRole, Auth},
    certifications::{self, attempts},
    db::{
        self,
        entities::{assessment_attempt, learning_record, module_version, sync_device},
    },
    error::{ApiError, Json, Query},
    modules::catalog,
};

/// Room for a full batch of records with long comments.
const BODY_LIMIT: usize = 16 << 20;
/// How old a record may be.
const MAX_AGE: TimeDelta = TimeDelta::days(365);
/// How far ahead of the server's clock a record may be (after skew correction).
const MAX_AHEAD: TimeDelta = TimeDelta::days(1);
/// Rows per insert statement (well under both databases' parameter limits).
const INSERT_CHUNK: usize = 500;
/// Ids per lookup statement.
const LOOKUP_CHUNK: usize = 1000;

/// `/api/v1/sync`, `/api/v1/progress` and `/api/v1/export/xapi`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sync))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .routes(routes!(get_progress))
        .routes(routes!(xapi::export))
}

/// The envelope as it arrives. Records are read one by one, so one bad record is
/// rejected on its own instead of failing the batch.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    pub device_id: String,
    #[serde(default)]
    pub user_id: Option<i64>,
    pub device_time: DateTime<Utc>,
    pub records: Vec<Box<RawValue>>,
}

impl Envelope {
    /// Checks what the whole batch stands on: the person's own records, a device id, and
    /// not too many records.
    pub fn checked(self, user: &User) -> Result<Envelope, ApiError> {
        if self.user_id.is_some_and(|id| id != user.id) {
            return Err(ApiError::WrongUser);
        }
        let device_id = self.device_id.trim().to_string();
        if device_id.is_empty() || device_id.len() > 100 || device_id.chars().any(char::is_control) {
            return Err(ApiError::Malformed("device_id must be 1 to 100 printable characters.".into()));
        }
        if self.records.len() > MAX_BATCH {
            return Err(ApiError::BatchTooLarge { max: MAX_BATCH, got: self.records.len() });
        }
        Ok(Envelope { device_id, ..self })
    }
}

/// Why a record is not stored: its id as sent, and the code.
type Rejection = (String, RejectCode);

/// Reads one record as sent: its shape, a UUID id (normalised), and its payload.
fn parse_record(raw: &RawValue) -> Result<(LearningRecord, Payload), Rejection> {
    let record = serde_json::from_str::<LearningRecord>(raw.get()).map_err(|_| {
        // Unreadable: answer for it under whatever id it has.
        #[derive(Deserialize)]
        struct IdOnly {
            id: String,
        }
        let id = serde_json::from_str::<IdOnly>(raw.get()).map(|r| r.id).unwrap_or_default();
        (id, RejectCode::InvalidPayload)
    })?;
    let invalid = || (record.id.clone(), RejectCode::InvalidPayload);
    let uuid = uuid::Uuid::parse_str(&record.id).map_err(|_| invalid())?;
    let payload = Payload::parse(record.kind, &record.payload).map_err(|_| invalid())?;
    Ok((LearningRecord { id: uuid.hyphenated().to_string(), ..record }, payload))
}

/// A record that passed its checks: the row to store, and, for an answer to a
/// certification's assessment, what deciding whether it counts needs.
#[derive(Debug, Clone)]
struct Row {
    model: learning_record::Model,
    /// An assessment's quiz attempt: the number of questions of its version (an older
    /// phone's answers, without an attempt, answer every one).
    assessment: Option<usize>,
}

/// A record that passed its checks, or why it didn't.
type Checked = Result<Row, Rejection>;

/// How long before its version was published a record may say it happened (a phone's
/// clock a little behind).
const BEFORE_PUBLISHED: TimeDelta = TimeDelta::minutes(5);

/// Stores a batch of records for `user` and answers per record, with their progress.
pub async fn apply_batch(state: &AppState, user: &User, envelope: Envelope) -> Result<SyncResponse, ApiError> {
    let received_at = db::now();
    let skew = received_at - envelope.device_time;
    let parsed: Vec<_> = envelope.records.iter().map(|r| parse_record(r)).collect();

    // Check the readable records against the module versions they name.
    let readable: Vec<&(LearningRecord, Payload)> = parsed.iter().filter_map(|r| r.as_ref().ok()).collect();
    let known = if readable.is_empty() {
        Known::default()
    } else {
        let attempt_ids = readable.iter().filter_map(|(_, payload)| match payload {
            Payload::QuizAttempt(p) => p.attempt_id.clone(),
            _ => None,
        });
        let (visible, assessments) = catalog::visible_for_sync(&state.db, user).await?;
        Known {
            versions: load_versions(&state.db, readable.iter().map(|(r, _)| (r.module_id, r.module_version))).await?,
            visible,
            assessments,
            attempts: attempts::named(&state.db, user.id, attempt_ids).await?,
        }
    };
    let checked: Vec<Checked> = parsed
        .into_iter()
        .map(|item| {
            item.and_then(|(record, payload)| {
                check(user, &envelope.device_id, &record, payload, &known, skew, received_at)
                    .map_err(|code| (record.id.clone(), code))
            })
        })
        .collect();

    // A retry may race another request with the same records (two tabs, a flaky
    // network): the loser of the race sees a unique violation and tries once more, and
    // then finds the winner's rows.
    let mut attempt = 0;
    let results = loop {
        attempt += 1;
        match store(state, user, &envelope.device_id, skew, received_at, &checked).await {
            Ok(results) => break results,
            Err(ApiError::Database(e)) if db::is_unique_violation(&e) && attempt < 3 => continue,
            Err(e) => return Err(e),
        }
    };
    let progress = progress_of(&state.db, user.id).await?;
    Ok(SyncResponse { results, progress })
}

/// A published module version, as records about it need it: its content read once per
/// batch, not once per record.
struct KnownVersion {
    title: String,
    kind: String,
    published_at: DateTime<Utc>,
    /// `None` if the stored content can't be read (records about it are refused).
    content: Option<ModuleContent>,
}

type Versions = HashMap<(i64, i32), KnownVersion>;

/// What a batch's records are checked against, read once per batch.
#[derive(Default)]
struct Known {
    versions: Versions,
    /// The modules this learner may open, and which of them are assessments.
    visible: HashSet<i64>,
    assessments: HashSet<i64>,
    /// The learner's attempts that the records name.
    attempts: HashMap<String, assessment_attempt::Model>,
}

/// The module versions named by (module id, version) pairs.
async fn load_versions(
    db: &impl ConnectionTrait,
    pairs: impl Iterator<Item = (i64, i32)>,
) -> Result<Versions, ApiError> {
    let wanted: HashSet<(i64, i32)> = pairs.collect();
    let mut out = HashMap::new();
    let wanted: Vec<_> = wanted.into_iter().collect();
    for chunk in wanted.chunks(LOOKUP_CHUNK / 2) {
        let mut any = Condition::any();
        for (module_id, version) in chunk {
            any = any.add(
                Condition::all()
                    .add(module_version::Column::ModuleId.eq(*module_id))
                    .add(module_version::Column::Version.eq(*version)),
            );
        }
        for v in module_version::Entity::find().filter(any).all(db).await? {
            let content = v.content().inspect_err(|e| tracing::error!(error = %e, "records about it are refused")).ok();
            out.insert(
                (v.module_id, v.version),
                KnownVersion { title: v.title, kind: v.kind, published_at: v.published_at, content },
            );
        }
    }
    Ok(out)
}

/// Checks one record and makes the row to store.
fn check(
    user: &User,
    device_id: &str,
    record: &LearningRecord,
    mut payload: Payload,
    known: &Known,
    skew: TimeDelta,
    received_at: DateTime<Utc>,
) -> Result<Row, RejectCode> {
    let version = known.versions.get(&(record.module_id, record.module_version)).ok_or(RejectCode::UnknownModule)?;
    if !known.visible.contains(&record.module_id) {
        return Err(RejectCode::NotVisible);
    }
    let occurred_at = record.occurred_at.checked_add_signed(skew).ok_or(RejectCode::AbsurdTime)?;
    if occurred_at < received_at - MAX_AGE
        || occurred_at > received_at + MAX_AHEAD
        || occurred_at < version.published_at - BEFORE_PUBLISHED
    {
        return Err(RejectCode::AbsurdTime);
    }
    let content = version.content.as_ref().ok_or(RejectCode::UnknownModule)?;
    let assessment = known.assessments.contains(&record.module_id);
    let (scored, attempt_id, assessment) = match (&payload, content) {
        (Payload::QuizAttempt(p), ModuleContent::Quiz { questions, pass_percent, draw }) => {
            let invalid = RejectCode::InvalidPayload;
            // Which of the version's questions the answers are for.
            let asked = match &p.attempt_id {
                Some(id) => {
                    let attempt = known
                        .attempts
                        .get(id)
                        .filter(|a| a.module_id == record.module_id && a.module_version == record.module_version)
                        .ok_or(invalid)?;
                    Some(attempt.asked().map_err(|_| invalid)?)
                }
                // An older phone's answers to an assessment: every question (it knows
                // no pools).
                None if assessment && draw.is_some() => return Err(invalid),
                None if assessment => None,
                // A practice quiz drawn from a pool says which questions it asked.
                None if draw.is_some() => Some(p.questions.clone().ok_or(invalid)?),
                None => None,
            };
            let score = score_quiz(questions, *pass_percent, asked.as_deref(), &p.answers).map_err(|_| invalid)?;
            (Some((score, asked)), p.attempt_id.clone(), assessment.then_some(questions.len()))
        }
        (Payload::QuizAttempt(_), _) => return Err(RejectCode::InvalidPayload),
        // A quiz is completed by passing it, not by saying so.
        (Payload::Completion(_), ModuleContent::Quiz { .. }) => return Err(RejectCode::InvalidPayload),
        _ => (None, None, None),
    };
    let score = match (scored, &mut payload) {
        (Some((score, asked)), Payload::QuizAttempt(p)) => {
            // What was asked is kept with the answers, so every later reader (reports,
            // the xAPI export) knows which questions they are for.
            p.questions = asked;
            Some(score)
        }
        _ => None,
    };
    let payload = payload.to_value();
    let model = learning_record::Model {
        id: record.id.clone(),
        user_id: user.id,
        device_id: device_id.to_string(),
        kind: record.kind.as_str().to_string(),
        module_id: record.module_id,
        module_version: record.module_version,
        occurred_at: db::truncate(occurred_at),
        device_occurred_at: db::truncate(record.occurred_at),
        received_at,
        fingerprint: fingerprint(user.id, record, &payload),
        payload,
        score: score.map(|s| i32::from(s.percent)),
        passed: score.map(|s| s.passed),
        // Whether an assessment's answers count is decided when they are stored.
        counted: true,
        attempt_id,
    };
    Ok(Row { model, assessment })
}

/// What makes two records with one id the same record.
fn fingerprint(user_id: i64, record: &LearningRecord, payload: &serde_json::Value) -> String {
    let canonical = serde_json::json!([
        user_id,
        record.kind.as_str(),
        record.module_id,
        record.module_version,
        db::truncate(record.occurred_at).to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        payload,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Stores the new records of a batch and notes the device's sync, in one transaction.
async fn store(
    state: &AppState,
    user: &User,
    device_id: &str,
    skew: TimeDelta,
    received_at: DateTime<Utc>,
    checked: &[Checked],
) -> Result<Vec<RecordResult>, ApiError> {
    let txn = db::begin_write(&state.db).await?;
    projection::lock_learner(&txn, user.id).await?;
    let ids: Vec<String> = checked.iter().filter_map(|c| c.as_ref().ok()).map(|r| r.model.id.clone()).collect();
    // Stored before: fingerprint, and whether it counted.
    let mut stored: HashMap<String, (String, bool)> = HashMap::new();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        for row in learning_record::Entity::find()
            .filter(learning_record::Column::Id.is_in(chunk.iter().cloned()))
            .all(&txn)
            .await?
        {
            stored.insert(row.id, (row.fingerprint, row.counted));
        }
    }

    let not_counted = |id: &str| RecordResult {
        id: id.to_string(),
        status: RecordStatus::Rejected,
        code: Some(RejectCode::AttemptLimit),
    };
    let mut results = Vec::with_capacity(checked.len());
    let mut new_rows: Vec<learning_record::Model> = Vec::new();
    for item in checked {
        match item {
            Err((id, code)) => {
                results.push(RecordResult { id: id.clone(), status: RecordStatus::Rejected, code: Some(*code) })
            }
            Ok(Row { model, assessment }) => {
                let status = match stored.get(&model.id) {
                    // The same answer every time it is sent again.
                    Some((f, false)) if *f == model.fingerprint => {
                        results.push(not_counted(&model.id));
                        continue;
                    }
                    Some((f, true)) if *f == model.fingerprint => RecordStatus::Duplicate,
                    Some(_) => RecordStatus::Conflict,
                    None => {
                        let mut model = model.clone();
                        if let Some(question_count) = assessment {
                            model.counted = attempts::claim(&txn, &model, *question_count).await?;
                        }
                        // Also covers the same id twice in one batch.
                        stored.insert(model.id.clone(), (model.fingerprint.clone(), model.counted));
                        let counted = model.counted;
                        new_rows.push(model);
                        if !counted {
                            results.push(not_counted(&new_rows.last().expect("just pushed").id));
                            continue;
                        }
                        RecordStatus::Accepted
                    }
                };
                results.push(RecordResult { id: model.id.clone(), status, code: None });
            }
        }
    }
    let effects: Vec<_> = new_rows.iter().filter_map(projection::effect_of).collect();
    let touched: HashSet<i64> = new_rows.iter().filter(|r| r.counted).map(|r| r.module_id).collect();
    let mut rows = new_rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk = rows.by_ref().take(INSERT_CHUNK).map(|m| m.into_active_model().reset_all());
        learning_record::Entity::insert_many(chunk).exec_without_returning(&txn).await?;
    }
    projection::update(&txn, user.id, effects).await?;
    // The server decides certificates from what is stored, in this same transaction.
    if !touched.is_empty() {
        certifications::award::award(&txn, user.id, certifications::award::Scope::Modules(&touched)).await?;
    }
    sync_device::Entity::insert(sync_device::ActiveModel {
        user_id: Set(user.id),
        device_id: Set(device_id.to_string()),
        last_sync_at: Set(received_at),
        clock_skew_ms: Set(skew.num_milliseconds()),
    })
    .on_conflict(
        OnConflict::columns([sync_device::Column::UserId, sync_device::Column::DeviceId])
            .update_columns([sync_device::Column::LastSyncAt, sync_device::Column::ClockSkewMs])
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    // The answer is built only after the commit: acknowledged means durable.
    txn.commit().await?;
    Ok(results)
}

/// A learner's progress, as stored, and when a device of theirs last synced.
pub async fn progress_of(db: &impl ConnectionTrait, user_id: i64) -> Result<Progress, ApiError> {
    Ok(projection::progress_of(db, user_id).await?)
}

/// `primer rebuild`: recomputes everyone's progress from their records, and issues any
/// certificate they earn that is missing, one learner per transaction, so servers keep
/// taking syncs meanwhile. Returns (learners, progress rows).
pub async fn rebuild(db: &sea_orm::DatabaseConnection) -> Result<(usize, usize), sea_orm::DbErr> {
    let learners = projection::learners(db).await?;
    let mut rows = 0;
    for user_id in &learners {
        let txn = db::begin_write(db).await?;
        projection::lock_learner(&txn, *user_id).await?;
        rows += projection::rebuild_learner(&txn, *user_id).await?;
        // Certificates once issued stand (their codes are out in the world); any the
        // records earn that are missing are issued.
        certifications::award::award(&txn, *user_id, certifications::award::Scope::All).await?;
        txn.commit().await?;
    }
    Ok((learners.len(), rows))
}

/// Sends learning records made on a device (completions, quiz attempts, ratings).
/// Each record is answered `accepted`, `duplicate` (same id and content as one stored
/// before: nothing changes), `conflict` (same id, other content: the stored one is kept)
/// or `rejected` with a code; the answer comes after the batch is durably stored, and
/// carries the learner's merged progress. Up to 5,000 records per batch. Roles: any.
#[utoipa::path(
    post, path = "/api/v1/sync", tag = "learning",
    request_body = SyncRequest,
    responses(
        (status = 200, body = SyncResponse),
        (status = 400, description = "`malformed_request`: not a sync envelope", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 409, description = "`wrong_user`: `user_id` is not the signed-in person", body = ErrorBody),
        (status = 413, description = "`batch_too_large`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: more than a person syncs in a minute; see `Retry-After`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn sync(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Json(envelope): Json<Envelope>,
) -> Result<Json<SyncResponse>, ApiError> {
    let envelope = envelope.checked(auth.user())?;
    count_against_rate(&state.db, state.config.sync_rate, auth.user().id, envelope.records.len()).await?;
    Ok(Json(apply_batch(&state, auth.user(), envelope).await?))
}

/// Counts a batch of `records` against what one person may sync this minute (in the
/// database, so every server counts the same), or refuses it: 429 `rate_limited`, with
/// the time until the minute turns.
pub async fn count_against_rate(
    db: &impl ConnectionTrait,
    limit: crate::config::SyncRate,
    user_id: i64,
    records: usize,
) -> Result<(), ApiError> {
    let now = db::now();
    let minute = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
    // One row per person: the minute's counts, started afresh when a new minute begins.
    let sql = "INSERT INTO sync_rates (user_id, window_start, batches, records) VALUES ($1, $2, 1, $3) \
               ON CONFLICT (user_id) DO UPDATE SET \
               batches = CASE WHEN sync_rates.window_start = excluded.window_start THEN sync_rates.batches + 1 ELSE 1 END, \
               records = CASE WHEN sync_rates.window_start = excluded.window_start \
                              THEN sync_rates.records + excluded.records ELSE excluded.records END, \
               window_start = excluded.window_start \
               RETURNING batches, records";
    let values = [user_id.into(), minute.into(), (records as i64).into()];
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(db.get_database_backend(), sql, values))
        .await?
        .ok_or_else(|| ApiError::Internal("the sync rate wasn't counted".into()))?;
    let (batches, sent): (i32, i64) = (row.try_get("", "batches")?, row.try_get("", "records")?);
    if batches > limit.batches as i32 || sent > i64::from(limit.records) {
        let left = (minute + TimeDelta::minutes(1) - now).to_std().unwrap_or_default();
        // Whole seconds, rounded up: a phone that waits exactly that long finds a new minute.
        let wait = std::time::Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0))
            .max(std::time::Duration::from_secs(1));
        tracing::info!(user_id, batches, records = sent, "sync rate limited");
        return Err(ApiError::RateLimited { retry_after: wait });
    }
    Ok(())
}

/// Whose progress to read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// Someone else's (managers: people in the teams they manage; admins: anyone).
    pub user_id: Option<i64>,
}

/// A learner's progress: per module, completion, best quiz score, attempts and rating,
/// folded from their records, and when they last synced. Roles: any for their own;
/// managers and admins for the people they are responsible for.
#[utoipa::path(
    get, path = "/api/v1/progress", tag = "learning",
    params(ProgressQuery),
    responses(
        (status = 200, body = Progress),
        (status = 403, description = "`forbidden`: not someone you're responsible for", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn get_progress(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Query(query): Query<ProgressQuery>,
) -> Result<Json<Progress>, ApiError> {
    let me = auth.user();
    let user_id = match query.user_id {
        None => me.id,
        Some(id) if id == me.id => id,
        Some(id) if users::is_responsible_for(&state.db, me, id).await? => id,
        Some(_) => return Err(ApiError::Forbidden),
    };
    Ok(Json(progress_of(&state.db, user_id).await?))
}

#[cfg(test)]
mod tests {
    use app::api::RecordKind;

    use super::*;

    fn record(payload: serde_json::Value) -> LearningRecord {
        LearningRecord {
            id: "0190c5a0-0000-7000-8000-000000000001".into(),
            kind: RecordKind::Completion,
            module_id: 1,
            module_version: 1,
            occurred_at: "2026-05-01T10:00:00.123456789Z".parse().unwrap(),
            payload,
        }
    }

    #[test]
    fn fingerprints_see_content_not_formatting() {
        let a = record(serde_json::json!({"seconds_spent": 5}));
        let p = Payload::parse(a.kind, &a.payload).unwrap().to_value();
        // Nanoseconds beyond what the databases keep don't make another record.
        let b = LearningRecord { occurred_at: "2026-05-01T10:00:00.123456Z".parse().unwrap(), ..a.clone() };
        assert_eq!(fingerprint(7, &a, &p), fingerprint(7, &b, &p));
        let other = Payload::parse(a.kind, &serde_json::json!({"seconds_spent": 6})).unwrap().to_value();
        assert_ne!(fingerprint(7, &a, &p), fingerprint(7, &a, &other));
        assert_ne!(fingerprint(7, &a, &p), fingerprint(8, &a, &p), "another person's record is another record");
    }
}
