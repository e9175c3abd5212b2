//! Sync: learning records from learners' devices, stored exactly once, and the progress
//! folded from them.
//!
//! A batch is checked record by record (a bad record is rejected in a 200, never the
//! batch), then stored in one transaction; the answer goes out only after the commit,
//! so a record the device sees acknowledged is durable, and a retry after a lost answer
//! finds it (`duplicate`) instead of storing it twice.

pub mod xapi;

use std::collections::{HashMap, HashSet};

use app::api::{
    ErrorBody, LearningRecord, MAX_BATCH, ModuleContent, Payload, Progress, QuizScore, RecordResult, RecordStatus,
    RejectCode, SyncRequest, SyncResponse, User, answered_right, score_quiz,
};
use axum::extract::{DefaultBodyLimit, State};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, TryInsertResult, sea_query::OnConflict,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::reads::{Gate, Serve};
use crate::{
    accounts::users,
    auth::{AnyRole, Auth},
    certifications::{self, attempts},
    config::SyncRate,
    db::{
        self,
        entities::{
            assessment_attempt, certificate, certification, learning_record, module, module_version, sync_device,
        },
        tally::{Counts, Tally},
    },
    error::{ApiError, Json, Query},
    modules::catalog,
    practice, projection,
    state::AppState,
};
use app::reads;

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

/// Stores a batch of records for `user` and answers per record, with their progress,
/// counting the batch against what they may sync a minute (`rate`). Everything the
/// database is asked is counted in `counts`.
pub async fn apply_batch(
    db: &DatabaseConnection,
    user: &User,
    envelope: Envelope,
    rate: SyncRate,
    counts: &Counts,
) -> Result<SyncResponse, ApiError> {
    let received_at = db::now();
    let skew = received_at - envelope.device_time;
    let parsed: Vec<_> = envelope.records.iter().map(|r| parse_record(r)).collect();
    let batch = Batch { user, device_id: &envelope.device_id, skew, received_at, parsed: &parsed };
    // Most batches are new records: they are inserted without being looked up first. If
    // the insert finds some stored already (a phone sending a batch again after a lost
    // answer), that transaction is dropped and the batch stored again, looking them up
    // first. A retry may also race another request with the same records (two tabs, a
    // flaky network): the loser of the race tries once more, and finds the winner's rows.
    let mut look_up = Lookup::AssessmentsOnly;
    for _ in 0..3 {
        match store(db, &batch, rate, look_up, counts).await {
            Ok(Some(answer)) => return Ok(answer),
            Ok(None) => look_up = Lookup::Everything,
            Err(ApiError::Database(e)) if db::is_unique_violation(&e) => look_up = Lookup::Everything,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::Internal("a sync batch raced other requests three times".into()))
}

/// Which of a batch's records are looked up before they are inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    /// Answers to an assessment only (claiming an attempt for one sent before would use
    /// up another); the insert tells whether the rest are new.
    AssessmentsOnly,
    /// All of them.
    Everything,
}

/// A batch as it arrived, each record read (or why it can't be).
struct Batch<'a> {
    user: &'a User,
    device_id: &'a str,
    skew: TimeDelta,
    received_at: DateTime<Utc>,
    parsed: &'a [Result<(LearningRecord, Payload), Rejection>],
}

/// A published module version, as records about it need it: its content read once per
/// batch, not once per record.
struct KnownVersion {
    published_at: DateTime<Utc>,
    /// `None` if the stored content can't be read (records about it are refused).
    content: Option<ModuleContent>,
}

type Versions = HashMap<(i64, i32), KnownVersion>;

/// What a batch's records are checked against, read once per batch, for the modules it
/// names only.
#[derive(Default)]
struct Known {
    versions: Versions,
    /// The modules this learner may open, and which of them are assessments.
    visible: HashSet<i64>,
    assessments: HashSet<i64>,
    /// The learner's attempts that the records name.
    attempts: HashMap<String, assessment_attempt::Model>,
    /// Every certification, and the learner's certificates: what deciding certificates
    /// needs too.
    certifications: Vec<certification::Model>,
    held: Vec<certificate::Model>,
    /// The learner's takes that practice submissions name, by media id.
    takes: HashMap<String, practice::takes::Known>,
}

impl Known {
    async fn load(db: &impl ConnectionTrait, batch: &Batch<'_>) -> Result<Known, ApiError> {
        let readable: Vec<&(LearningRecord, Payload)> = batch.parsed.iter().filter_map(|r| r.as_ref().ok()).collect();
        if readable.is_empty() {
            return Ok(Known::default());
        }
        let named = load_versions(db, readable.iter().map(|(r, _)| (r.module_id, r.module_version))).await?;
        let certifications = certification::Entity::find().all(db).await?;
        let content = catalog::Content::load_for(db, batch.user, &named, certifications.clone()).await?;
        // The certificates held matter to a renewal's assignment, and to deciding
        // certificates that need these modules; without either, they aren't read.
        let modules: HashSet<i64> = readable.iter().map(|(r, _)| r.module_id).collect();
        let decides = certifications
            .iter()
            .any(|c| c.required().into_iter().chain(c.assessments()).flatten().any(|m| modules.contains(&m)));
        let held = if decides || content.renewals_matter() {
            certificate::newest_held(db, batch.user.id).await?
        } else {
            Vec::new()
        };
        let (visible, assessments) = catalog::visible_among(&content, batch.user, &held);
        let attempt_ids = readable.iter().filter_map(|(_, payload)| match payload {
            Payload::QuizAttempt(p) => p.attempt_id.clone(),
            _ => None,
        });
        let attempts = attempts::named(db, batch.user.id, attempt_ids).await?;
        let take_ids: Vec<String> = readable
            .iter()
            .filter_map(|(_, payload)| match payload {
                Payload::PracticeSubmission(p) => Some(p.media_id.clone()),
                _ => None,
            })
            .collect();
        let takes = practice::takes::known(db, batch.user.id, &take_ids).await?;
        let versions = named
            .into_iter()
            .map(|(v, _)| {
                let content =
                    v.content().inspect_err(|e| tracing::error!(error = %e, "records about it are refused")).ok();
                ((v.module_id, v.version), KnownVersion { published_at: v.published_at, content })
            })
            .collect();
        Ok(Known { versions, visible, assessments, attempts, certifications, held, takes })
    }
}

/// The module versions named by (module id, version) pairs, each with its module.
pub(crate) async fn load_versions(
    db: &impl ConnectionTrait,
    pairs: impl Iterator<Item = (i64, i32)>,
) -> Result<Vec<(module_version::Model, Option<module::Model>)>, ApiError> {
    let wanted: HashSet<(i64, i32)> = pairs.collect();
    let wanted: Vec<_> = wanted.into_iter().collect();
    let mut out = Vec::new();
    for chunk in wanted.chunks(LOOKUP_CHUNK / 2) {
        let mut any = Condition::any();
        for (module_id, version) in chunk {
            any = any.add(
                Condition::all()
                    .add(module_version::Column::ModuleId.eq(*module_id))
                    .add(module_version::Column::Version.eq(*version)),
            );
        }
        out.extend(module_version::Entity::find().filter(any).find_also_related(module::Entity).all(db).await?);
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
    if let Payload::PracticeSubmission(p) = &mut payload {
        // A take of this practice module, uploaded by this person, no longer than the
        // module allows by the server's own measure of the file, which is what is kept.
        let ModuleContent::Practice { max_seconds, .. } = content else { return Err(RejectCode::InvalidPayload) };
        let take = known.takes.get(&p.media_id).filter(|t| t.module_id == record.module_id);
        let take = take.ok_or(RejectCode::InvalidPayload)?;
        if take.seconds > max_seconds + practice::takes::SLACK_SECONDS {
            return Err(RejectCode::InvalidPayload);
        }
        p.seconds = take.seconds;
    }
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
        // A booster is a question of a quiz that isn't an assessment (their answer keys
        // never reach the phone), scored here: one question, right or not.
        (Payload::BoosterAnswer(p), ModuleContent::Quiz { questions, .. }) => {
            let question = questions.get(p.index as usize).filter(|_| !assessment).ok_or(RejectCode::InvalidPayload)?;
            if p.picked.iter().any(|&i| i as usize >= question.options.len()) {
                return Err(RejectCode::InvalidPayload);
            }
            let right = answered_right(question, &p.picked);
            (Some((QuizScore { percent: if right { 100 } else { 0 }, passed: right }, None)), None, None)
        }
        (Payload::BoosterAnswer(_), _) => return Err(RejectCode::InvalidPayload),
        // A quiz is completed by passing it, not by saying so.
        (Payload::Completion(_), ModuleContent::Quiz { .. }) => return Err(RejectCode::InvalidPayload),
        // Nor is a practice module: a reviewer passes a take.
        (Payload::Completion(_), ModuleContent::Practice { .. }) => return Err(RejectCode::InvalidPayload),
        _ => (None, None, None),
    };
    let score = match (scored, &mut payload) {
        (Some((score, asked)), Payload::QuizAttempt(p)) => {
            // What was asked is kept with the answers, so every later reader (reports,
            // the xAPI export) knows which questions they are for.
            p.questions = asked;
            Some(score)
        }
        (Some((score, _)), Payload::BoosterAnswer(_)) => Some(score),
        _ => None,
    };
    // A submission is about its take (found by it when the take is deleted).
    let about = match &payload {
        Payload::PracticeSubmission(p) => Some(p.media_id.clone()),
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
        about,
    };
    Ok(Row { model, assessment })
}

/// What makes two records with one id the same record: the SHA-256 of a JSON array of
/// its person, kind, module, version, time (to the microsecond) and payload, written
/// straight into the hash.
fn fingerprint(user_id: i64, record: &LearningRecord, payload: &serde_json::Value) -> String {
    /// Bytes written to it are hashed.
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let at = db::truncate(record.occurred_at).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let canonical = (user_id, record.kind.as_str(), record.module_id, record.module_version, at, payload);
    let mut hashing = Hashing(Sha256::new());
    serde_json::to_writer(&mut hashing, &canonical).expect("writing to a hash can't fail");
    hex::encode(hashing.0.finalize())
}

/// Checks a batch and stores its new records, their progress and the certificates they
/// earn, and notes the device's sync, in one transaction; answers after the commit.
/// What it asks of the database depends on the batch, never on the learner's history.
/// `None` if the insert found records stored already that weren't looked up: nothing is
/// kept, and the batch is to be stored again, looking everything up.
async fn store(
    db: &DatabaseConnection,
    batch: &Batch<'_>,
    rate: SyncRate,
    look_up: Lookup,
    counts: &Counts,
) -> Result<Option<SyncResponse>, ApiError> {
    let user = batch.user;
    let txn = db::begin_write(db).await?;
    counts.round_trip();
    let tx = Tally::new(&txn, counts);
    projection::lock_learner(&tx, user.id).await?;
    // Counted in this transaction (one commit, not two); a batch refused isn't counted.
    count_against_rate(&tx, rate, user.id, batch.parsed.len()).await?;
    let known = Known::load(&tx, batch).await?;
    let checked: Vec<Checked> = batch
        .parsed
        .iter()
        .map(|item| {
            let (record, payload) = item.as_ref().map_err(Clone::clone)?;
            check(user, batch.device_id, record, payload.clone(), &known, batch.skew, batch.received_at)
                .map_err(|code| (record.id.clone(), code))
        })
        .collect();

    let Some((results, stored)) = store_new(&tx, checked, look_up).await? else {
        // Dropped without a commit: rolled back.
        return Ok(None);
    };
    projection::add_evidence(&tx, user.id, stored.evidence).await?;
    let modules = projection::update(&tx, user.id, stored.effects).await?;
    if !stored.shared.is_empty() {
        practice::takes::consent_given(&tx, user.id, &stored.shared).await?;
    }
    // The server decides certificates from what is stored, in this same transaction.
    if !stored.touched.is_empty() {
        let scope = certifications::award::Scope::Modules(&stored.touched);
        certifications::award::award_among(&tx, user.id, scope, &known.certifications, &known.held).await?;
    }
    sync_device::Entity::insert(sync_device::ActiveModel {
        user_id: Set(user.id),
        device_id: Set(batch.device_id.to_string()),
        last_sync_at: Set(batch.received_at),
        clock_skew_ms: Set(batch.skew.num_milliseconds()),
    })
    .on_conflict(
        OnConflict::columns([sync_device::Column::UserId, sync_device::Column::DeviceId])
            .update_columns([sync_device::Column::LastSyncAt, sync_device::Column::ClockSkewMs])
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?;
    // The answer is sent only after the commit: acknowledged means durable.
    txn.commit().await?;
    counts.round_trip();
    // Their last sync is this one (a sync of another device of theirs that took its time
    // a moment later and committed first would be later by that moment).
    Ok(Some(SyncResponse { results, progress: Progress { modules, last_sync_at: Some(batch.received_at) } }))
}

/// What the records a batch stored mean: for progress, for certificates, and which
/// modules they touched.
struct Stored {
    effects: Vec<projection::Fold>,
    evidence: projection::EvidenceFold,
    touched: HashSet<i64>,
    /// Takes whose submission gave consent to feature them, and when.
    shared: Vec<(String, DateTime<Utc>)>,
}

/// Stores the records of a batch that are new, and answers for each: `accepted`,
/// `duplicate` (stored before, the same), `conflict` (stored before, other content),
/// `rejected` with its code, or `attempt_limit` for an answer kept but not counted.
/// Returns the answers in the batch's order and what the new records mean, or `None` if
/// the insert skipped records already stored that `look_up` didn't look up (the caller
/// drops the transaction and tries again, looking everything up).
///
/// A batch of up to 500 new records is one statement: the insert (`ON CONFLICT DO
/// NOTHING`, answering how many it stored), nothing looked up before or after. Looking
/// 500 ids up first cost a statement (the fixed cost of a one-record sync is its
/// statements), and having the insert return the ids it stored cost 0.7 ms per 500 on
/// SQLite (sqlx fetches returned rows one at a time).
async fn store_new(
    tx: &impl ConnectionTrait,
    checked: Vec<Checked>,
    look_up: Lookup,
) -> Result<Option<(Vec<RecordResult>, Stored)>, ApiError> {
    // What is stored under an id: fingerprint, whether it counted, and which record of
    // this batch stores it (if one does).
    let mut stored: HashMap<String, (String, bool, Option<usize>)> = HashMap::new();
    let ids: Vec<String> = checked
        .iter()
        .filter_map(|c| c.as_ref().ok())
        .filter(|r| look_up == Lookup::Everything || r.assessment.is_some())
        .map(|r| r.model.id.clone())
        .collect();
    for (id, (fingerprint, counted)) in lookup(tx, ids).await? {
        stored.insert(id, (fingerprint, counted, None));
    }
    // The first record of each id not stored before is new (a second one in the batch
    // is answered against it). Each record's id and fingerprint are kept for its answer;
    // the new rows move on to be inserted.
    let mut keys: Vec<Result<(String, String), Rejection>> = Vec::with_capacity(checked.len());
    let mut new_rows: Vec<learning_record::Model> = Vec::new();
    for (i, item) in checked.into_iter().enumerate() {
        let Row { mut model, assessment } = match item {
            Ok(row) => row,
            Err(rejection) => {
                keys.push(Err(rejection));
                continue;
            }
        };
        keys.push(Ok((model.id.clone(), model.fingerprint.clone())));
        if stored.contains_key(&model.id) {
            continue;
        }
        if let Some(question_count) = assessment {
            model.counted = attempts::claim(tx, &model, question_count).await?;
        }
        stored.insert(model.id.clone(), (model.fingerprint.clone(), model.counted, Some(i)));
        new_rows.push(model);
    }
    let meaning = Stored {
        effects: new_rows.iter().filter_map(projection::effect_of).collect(),
        evidence: projection::fold_evidence(&new_rows),
        touched: new_rows.iter().filter(|r| r.counted).map(|r| r.module_id).collect(),
        shared: new_rows
            .iter()
            .filter(|r| {
                r.kind == app::api::RecordKind::PracticeSubmission.as_str()
                    && r.payload.get("share") == Some(&true.into())
            })
            .filter_map(|r| Some((r.about.clone()?, r.occurred_at)))
            .collect(),
    };
    let expected = new_rows.len() as u64;
    let mut inserted = 0;
    let mut rows = new_rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk = rows.by_ref().take(INSERT_CHUNK).map(|m| m.into_active_model().reset_all());
        let insert =
            learning_record::Entity::insert_many(chunk).on_conflict_do_nothing_on([learning_record::Column::Id]);
        if let TryInsertResult::Inserted(n) = insert.exec_without_returning(tx).await? {
            inserted += n;
        }
    }
    if inserted != expected {
        return Ok(None);
    }

    let mut results = Vec::with_capacity(keys.len());
    for (i, key) in keys.into_iter().enumerate() {
        let (id, status, code) = match key {
            Err((id, code)) => (id, RecordStatus::Rejected, Some(code)),
            Ok((id, fingerprint)) => match stored.get(&id) {
                Some((_, counted, by)) if *by == Some(i) => match counted {
                    true => (id, RecordStatus::Accepted, None),
                    false => (id, RecordStatus::Rejected, Some(RejectCode::AttemptLimit)),
                },
                // The same answer every time it is sent again.
                Some((f, true, _)) if *f == fingerprint => (id, RecordStatus::Duplicate, None),
                Some((f, false, _)) if *f == fingerprint => {
                    (id, RecordStatus::Rejected, Some(RejectCode::AttemptLimit))
                }
                Some(_) => (id, RecordStatus::Conflict, None),
                None => return Err(ApiError::Internal(format!("record {id} was neither stored nor found"))),
            },
        };
        results.push(RecordResult { id, status, code });
    }
    Ok(Some((results, meaning)))
}

/// Stored records by id: their fingerprint, and whether they counted.
async fn lookup(tx: &impl ConnectionTrait, ids: Vec<String>) -> Result<Vec<(String, (String, bool))>, ApiError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let rows: Vec<(String, String, bool)> = learning_record::Entity::find()
            .select_only()
            .columns([
                learning_record::Column::Id,
                learning_record::Column::Fingerprint,
                learning_record::Column::Counted,
            ])
            .filter(learning_record::Column::Id.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(tx)
            .await?;
        found.extend(rows.into_iter().map(|(id, fingerprint, counted)| (id, (fingerprint, counted))));
    }
    Ok(found)
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
    let counts = Counts::default();
    let answer = apply_batch(&state.db, auth.user(), envelope, state.config.sync_rate, &counts).await?;
    tracing::debug!(records = answer.results.len(), statements = counts.statements(), rows = counts.rows(), "synced");
    Ok(Json(answer))
}

/// Counts a batch of `records` against what one person may sync this minute (in the
/// database, so every server counts the same), or refuses it: 429 `rate_limited`, with
/// the time until the minute turns.
async fn count_against_rate(
    db: &impl ConnectionTrait,
    limit: SyncRate,
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
    who: Gate<reads::Progress>,
    Query(query): Query<ProgressQuery>,
) -> Result<Json<Progress>, ApiError> {
    let me = who.user();
    let user_id = match query.user_id {
        None => me.id,
        Some(id) if id == me.id => id,
        Some(id) if users::is_responsible_for(&state.db, me, id).await? => id,
        Some(_) => return Err(ApiError::Forbidden),
    };
    Ok(Json(progress_of(&state.db, user_id).await?))
}

/// The page's read of one's own progress.
impl Serve for reads::Progress {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, who: Auth<AnyRole>) -> Result<Progress, ApiError> {
        progress_of(&state.db, who.user().id).await
    }
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

    #[test]
    fn fingerprints_are_those_stored_before() {
        // Records stored by earlier releases keep their fingerprints: a phone sending one
        // again must find it a duplicate, not a conflict.
        let a = LearningRecord {
            kind: RecordKind::Feedback,
            ..record(serde_json::json!({"rating": 4, "comment": "é \" </script> \u{2028}"}))
        };
        let p = Payload::parse(a.kind, &a.payload).unwrap().to_value();
        let earlier = serde_json::json!([7, "feedback", 1, 1, "2026-05-01T10:00:00.123456Z", p]);
        assert_eq!(fingerprint(7, &a, &p), hex::encode(Sha256::digest(earlier.to_string().as_bytes())));
    }
}
