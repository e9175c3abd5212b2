//! The progress projection: per learner and module, where they stand, folded from their
//! learning records by the shared rules in `app::api::Progress`. Its own module, below
//! both `sync` (which stores records) and `certifications` (which awards from evidence
//! and stores assessment attempts), so neither depends on the other's internals.
//!
//! It is updated in the transaction that stores new records (the fold is independent of
//! order, so applying new records to the stored state equals folding everything again),
//! and `primer rebuild` recomputes it from the records alone. So is the evidence
//! certificates are decided from (`entities::evidence`): the first and last receive
//! time of each thing a record reached, a fold that is independent of order too.

use std::collections::{BTreeMap, HashSet};

use app::api::{Effect, ModuleProgress, Progress, QuizScore, RecordKind};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict},
};

use crate::db::{
    columns::Reached,
    entities::{evidence, learning_record, module_progress, sync_device, user},
};

/// Rows per statement (well under both databases' parameter limits).
const CHUNK: usize = 500;

/// What a stored record means for progress (nothing, if it was kept but not counted).
fn effect(row: &learning_record::Model) -> Option<Effect> {
    if !row.counted {
        return None;
    }
    match RecordKind::parse(&row.kind)? {
        RecordKind::Completion => Some(Effect::Completed),
        RecordKind::QuizAttempt => Some(Effect::QuizAttempted(QuizScore {
            percent: row.score.unwrap_or(0).clamp(0, 100) as u8,
            passed: row.passed.unwrap_or(false),
        })),
        RecordKind::Feedback => {
            let rating = row.payload.get("rating").and_then(|r| r.as_u64()).unwrap_or(0);
            (1..=5).contains(&rating).then_some(Effect::Rated(rating as u8))
        }
        // A take counts once a review passes it, not when it is sent.
        RecordKind::PracticeSubmission => None,
        RecordKind::PracticeReview => (row.passed == Some(true)).then_some(Effect::Completed),
        // Boosters count for retention only: nothing in progress changes, not even the
        // module's last activity (it dates the latest quiz on reports).
        RecordKind::BoosterAnswer => None,
        // `parse` reads only the kinds Primer stores.
        RecordKind::Unknown => None,
    }
}

fn to_progress(row: module_progress::Model) -> ModuleProgress {
    let small = |v: i32| v.clamp(0, 255) as u8;
    ModuleProgress {
        module_id: row.module_id,
        completed_at: row.completed_at,
        last_completed_at: row.last_completed_at,
        completed_version: row.completed_version,
        best_score: row.best_score.map(small),
        attempts: row.attempts.max(0) as u32,
        rating: row.rating.map(small),
        rated_at: row.rated_at,
        last_activity_at: row.last_activity_at,
    }
}

fn to_row(user_id: i64, p: &ModuleProgress) -> module_progress::ActiveModel {
    use sea_orm::ActiveValue::Set;
    module_progress::ActiveModel {
        user_id: Set(user_id),
        module_id: Set(p.module_id),
        completed_at: Set(p.completed_at),
        last_completed_at: Set(p.last_completed_at),
        completed_version: Set(p.completed_version),
        best_score: Set(p.best_score.map(i32::from)),
        attempts: Set(i32::try_from(p.attempts).unwrap_or(i32::MAX)),
        rating: Set(p.rating.map(i32::from)),
        rated_at: Set(p.rated_at),
        last_activity_at: Set(p.last_activity_at),
    }
}

/// Holds the learner's row until the transaction ends, so two batches of one learner
/// (two devices at once) update their progress one after the other, never both from the
/// same starting point. SQLite needs nothing: a write transaction there (`BEGIN
/// IMMEDIATE`) already excludes every other writer.
pub async fn lock_learner(db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        return Ok(());
    }
    user::Entity::find_by_id(user_id)
        .select_only()
        .column(user::Column::Id)
        .lock_exclusive()
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(())
}

/// A stored record as the fold takes it: module, version, time, and what it means.
pub type Fold = (i64, i32, chrono::DateTime<chrono::Utc>, Effect);

/// A stored record as the fold takes it, if it means anything for progress.
pub fn effect_of(row: &learning_record::Model) -> Option<Fold> {
    effect(row).map(|e| (row.module_id, row.module_version, row.occurred_at, e))
}

/// Adds newly stored records of one learner to their stored progress, and returns all
/// of it (what a sync answers with). Three statements whatever the learner's history:
/// a blank row for each module the records touch that has none, one read of the
/// learner's rows (one per module they have, bounded by the catalog, not by their
/// records), and one write of those the records touched. The blank rows come first so
/// that the read is the same for someone's first batch as for their thousandth.
pub async fn update(
    db: &impl ConnectionTrait,
    user_id: i64,
    new_records: Vec<Fold>,
) -> Result<Vec<ModuleProgress>, DbErr> {
    if new_records.is_empty() {
        return stored_progress(db, user_id).await;
    }
    // A blank row is what the fold starts a module from, active no later than any of
    // the new records, so applying them to it equals applying them to nothing.
    let mut blank: BTreeMap<i64, ModuleProgress> = BTreeMap::new();
    for (module_id, _, at, _) in &new_records {
        blank
            .entry(*module_id)
            .and_modify(|p| p.last_activity_at = p.last_activity_at.min(*at))
            .or_insert_with(|| ModuleProgress::blank(*module_id, *at));
    }
    let blank: Vec<_> = blank.into_values().collect();
    for chunk in blank.chunks(CHUNK) {
        module_progress::Entity::insert_many(chunk.iter().map(|p| to_row(user_id, p)))
            .on_conflict_do_nothing_on([module_progress::Column::UserId, module_progress::Column::ModuleId])
            .exec_without_returning(db)
            .await?;
    }
    let mut progress = Progress { modules: stored_progress(db, user_id).await?, last_sync_at: None };
    let touched: HashSet<i64> = blank.iter().map(|p| p.module_id).collect();
    for (module_id, version, at, effect) in new_records {
        progress.apply(module_id, version, at, effect);
    }
    let changed: Vec<ModuleProgress> =
        progress.modules.iter().filter(|m| touched.contains(&m.module_id)).cloned().collect();
    upsert(db, user_id, &changed).await?;
    Ok(progress.modules)
}

/// One learner's stored progress, by module id.
async fn stored_progress(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<ModuleProgress>, DbErr> {
    Ok(module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .order_by_asc(module_progress::Column::ModuleId)
        .all(db)
        .await?
        .into_iter()
        .map(to_progress)
        .collect())
}

/// When a device of this learner's last synced.
pub async fn last_sync_at(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(sync_device::Entity::find()
        .filter(sync_device::Column::UserId.eq(user_id))
        .select_only()
        .column_as(sync_device::Column::LastSyncAt.max(), "last")
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten())
}

async fn upsert(db: &impl ConnectionTrait, user_id: i64, modules: &[ModuleProgress]) -> Result<(), DbErr> {
    use module_progress::Column as C;
    for chunk in modules.chunks(CHUNK) {
        module_progress::Entity::insert_many(chunk.iter().map(|p| to_row(user_id, p)))
            .on_conflict(
                OnConflict::columns([C::UserId, C::ModuleId])
                    .update_columns([
                        C::CompletedAt,
                        C::LastCompletedAt,
                        C::CompletedVersion,
                        C::BestScore,
                        C::Attempts,
                        C::Rating,
                        C::RatedAt,
                        C::LastActivityAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A learner's progress as stored, and when a device of theirs last synced.
pub async fn progress_of(db: &impl ConnectionTrait, user_id: i64) -> Result<Progress, DbErr> {
    Ok(Progress { modules: stored_progress(db, user_id).await?, last_sync_at: last_sync_at(db, user_id).await? })
}

/// Progress folded from a learner's records alone, ignoring what is stored.
pub async fn fold_records(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<ModuleProgress>, DbErr> {
    Ok(fold_progress(&records_of(db, user_id).await?))
}

async fn records_of(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<learning_record::Model>, DbErr> {
    learning_record::Entity::find().filter(learning_record::Column::UserId.eq(user_id)).all(db).await
}

fn fold_progress(records: &[learning_record::Model]) -> Vec<ModuleProgress> {
    Progress::fold(records.iter().filter_map(effect_of), None).modules
}

/// Replaces one learner's stored progress with `modules`.
async fn replace_progress(db: &impl ConnectionTrait, user_id: i64, modules: &[ModuleProgress]) -> Result<(), DbErr> {
    module_progress::Entity::delete_many().filter(module_progress::Column::UserId.eq(user_id)).exec(db).await?;
    upsert(db, user_id, modules).await
}

/// Recomputes one learner's stored progress, and the evidence their certificates are
/// decided from, from their records alone. Returns how many progress rows it wrote.
pub async fn rebuild_learner(db: &impl ConnectionTrait, user_id: i64) -> Result<usize, DbErr> {
    let records = records_of(db, user_id).await?;
    let modules = fold_progress(&records);
    replace_progress(db, user_id, &modules).await?;
    evidence::Entity::delete_many().filter(evidence::Column::UserId.eq(user_id)).exec(db).await?;
    add_evidence(db, user_id, fold_evidence(&records)).await?;
    Ok(modules.len())
}

/// What a stored record reached, as certificates are decided from it: a completion or a
/// passed quiz attempt completes its module, and a quiz attempt reaches its score; a
/// record kept but not counted reaches nothing.
pub fn reached_by(row: &learning_record::Model) -> impl Iterator<Item = Reached> {
    let mut reached = [None, None];
    if row.counted {
        match RecordKind::parse(&row.kind) {
            Some(RecordKind::Completion) => reached[0] = Some(Reached::Done),
            // A review that made its submission pass.
            Some(RecordKind::PracticeReview) if row.passed == Some(true) => reached[0] = Some(Reached::Done),
            Some(RecordKind::QuizAttempt) => {
                if row.passed == Some(true) {
                    reached[0] = Some(Reached::Done);
                }
                reached[1] = row.score.and_then(|s| u8::try_from(s).ok()).filter(|s| *s <= 100).map(Reached::Score);
            }
            _ => {}
        }
    }
    reached.into_iter().flatten()
}

/// Evidence folded from records: by (module, what was reached), the first and last
/// receive time.
pub type EvidenceFold = BTreeMap<(i64, Reached), (DateTime<Utc>, DateTime<Utc>)>;

/// Folds records into evidence (any order gives the same).
pub fn fold_evidence<'a>(records: impl IntoIterator<Item = &'a learning_record::Model>) -> EvidenceFold {
    let mut fold = EvidenceFold::new();
    for row in records {
        for reached in reached_by(row) {
            let at = row.received_at;
            fold.entry((row.module_id, reached))
                .and_modify(|(first, last)| {
                    *first = (*first).min(at);
                    *last = (*last).max(at);
                })
                .or_insert((at, at));
        }
    }
    fold
}

/// Adds what newly stored records of one learner reached (see [`fold_evidence`]) to the
/// evidence their certificates are decided from: one statement per 500 things reached,
/// whatever their history.
pub async fn add_evidence(db: &impl ConnectionTrait, user_id: i64, fold: EvidenceFold) -> Result<(), DbErr> {
    use evidence::Column as C;
    use sea_orm::ActiveValue::Set;
    let rows: Vec<_> = fold
        .into_iter()
        .map(|((module_id, reached), (first_at, last_at))| {
            let (kind, score) = reached.columns();
            evidence::ActiveModel {
                user_id: Set(user_id),
                module_id: Set(module_id),
                kind: Set(kind.to_string()),
                score: Set(score),
                first_at: Set(first_at),
                last_at: Set(last_at),
            }
        })
        .collect();
    // The earlier first time and the later last time win (times compare as times on
    // PostgreSQL, and as the RFC 3339 text both sides are written in on SQLite).
    let keep = |column: &str, pick: &str| {
        Expr::cust(format!(
            "CASE WHEN excluded.{column} {pick} evidence.{column} THEN excluded.{column} ELSE evidence.{column} END"
        ))
    };
    for chunk in rows.chunks(CHUNK) {
        evidence::Entity::insert_many(chunk.iter().cloned())
            .on_conflict(
                OnConflict::columns([C::UserId, C::ModuleId, C::Kind, C::Score])
                    .value(C::FirstAt, keep("first_at", "<"))
                    .value(C::LastAt, keep("last_at", ">"))
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// One learner's evidence for these modules, as stored.
pub async fn evidence_of(
    db: &impl ConnectionTrait,
    user_id: i64,
    modules: impl IntoIterator<Item = i64>,
) -> Result<Vec<evidence::Model>, DbErr> {
    evidence::Entity::find()
        .filter(evidence::Column::UserId.eq(user_id))
        .filter(evidence::Column::ModuleId.is_in(modules))
        .all(db)
        .await
}

/// Everyone with records or stored progress.
pub async fn learners(db: &impl ConnectionTrait) -> Result<Vec<i64>, DbErr> {
    let mut ids: Vec<i64> = learning_record::Entity::find()
        .select_only()
        .column(learning_record::Column::UserId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    ids.extend(
        module_progress::Entity::find()
            .select_only()
            .column(module_progress::Column::UserId)
            .distinct()
            .into_tuple::<i64>()
            .all(db)
            .await?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Recomputes everyone's stored progress (not the evidence) on one connection, inside
/// the transaction of migration 6, which comes before the evidence table. Returns how
/// many progress rows it wrote.
pub async fn rebuild_all(db: &impl ConnectionTrait) -> Result<usize, DbErr> {
    let mut rows = 0;
    for user_id in learners(db).await? {
        let modules = fold_records(db, user_id).await?;
        replace_progress(db, user_id, &modules).await?;
        rows += modules.len();
    }
    Ok(rows)
}
