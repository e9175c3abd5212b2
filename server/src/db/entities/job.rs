//! A piece of background work in the queue (see `crate::jobs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What to do: one of `jobs::Kind`.
    pub kind: String,
    /// Unique: enqueueing a key that is there already does nothing.
    #[sea_orm(unique)]
    pub key: String,
    /// The job's input, JSON.
    pub payload: String,
    /// `queued`, `running`, `done` or `failed`: read with `jobs::State`.
    pub state: String,
    /// Not before this time (a retry's back-off, a tick's period).
    pub run_at: DateTimeUtc,
    /// How many times it was claimed.
    pub attempts: i32,
    pub max_attempts: i32,
    /// The worker holding it while `running`.
    pub leased_by: Option<String>,
    /// A running job whose lease has passed is free to claim again (its server stopped).
    pub lease_until: Option<DateTimeUtc>,
    /// 0–1, as the work reports it.
    pub progress: Option<f64>,
    /// Why the last attempt failed, in words.
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
