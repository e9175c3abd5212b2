//! The progress projection: per learner and module, where they stand, folded from their
//! learning records by the shared rules in `app::api::Progress`.
//!
//! It is updated in the transaction that stores new records (the fold is independent of
//! order, so applying new records to the stored state equals folding everything again),
//! and `primer rebuild` recomputes it from the records alone.

use std::collections::HashSet;

use app::api::{Effect, ModuleProgress, Progress, QuizScore, RecordKind};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::OnConflict,
};

use crate::db::entities::{learning_record, module_progress, sync_device, user};

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

/// Adds newly stored records of one learner to their stored progress.
pub async fn update(db: &impl ConnectionTrait, user_id: i64, new_records: Vec<Fold>) -> Result<(), DbErr> {
    let touched: Vec<i64> = new_records.iter().map(|r| r.0).collect::<HashSet<_>>().into_iter().collect();
    if touched.is_empty() {
        return Ok(());
    }
    let mut progress = Progress::default();
    for chunk in touched.chunks(CHUNK) {
        let rows = module_progress::Entity::find()
            .filter(module_progress::Column::UserId.eq(user_id))
            .filter(module_progress::Column::ModuleId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        progress.modules.extend(rows.into_iter().map(to_progress));
    }
    progress.modules.sort_by_key(|m| m.module_id);
    for (module_id, version, at, effect) in new_records {
        progress.apply(module_id, version, at, effect);
    }
    upsert(db, user_id, &progress.modules).await
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
    let modules = module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .order_by_asc(module_progress::Column::ModuleId)
        .all(db)
        .await?
        .into_iter()
        .map(to_progress)
        .collect();
    let last_sync_at = sync_device::Entity::find()
        .filter(sync_device::Column::UserId.eq(user_id))
        .select_only()
        .column_as(sync_device::Column::LastSyncAt.max(), "last")
        .into_tuple::<Option<chrono::DateTime<chrono::Utc>>>()
        .one(db)
        .await?
        .flatten();
    Ok(Progress { modules, last_sync_at })
}

/// Progress folded from a learner's records alone, ignoring what is stored.
pub async fn fold_records(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<ModuleProgress>, DbErr> {
    let rows = learning_record::Entity::find().filter(learning_record::Column::UserId.eq(user_id)).all(db).await?;
    Ok(Progress::fold(rows.iter().filter_map(effect_of), None).modules)
}

/// Recomputes one learner's stored progress from their records.
pub async fn rebuild_learner(db: &impl ConnectionTrait, user_id: i64) -> Result<usize, DbErr> {
    let modules = fold_records(db, user_id).await?;
    module_progress::Entity::delete_many().filter(module_progress::Column::UserId.eq(user_id)).exec(db).await?;
    upsert(db, user_id, &modules).await?;
    Ok(modules.len())
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

/// Recomputes everyone's stored progress on one connection (or inside one
/// transaction, as in a migration). Returns how many progress rows it wrote.
pub async fn rebuild_all(db: &impl ConnectionTrait) -> Result<usize, DbErr> {
    let mut rows = 0;
    for user_id in learners(db).await? {
        rows += rebuild_learner(db, user_id).await?;
    }
    Ok(rows)
}
