//! A learning record: what a learner did, as their device sent it. Records are only ever
//! added; progress and every figure are computed from them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "learning_records")]
pub struct Model {
    /// The device's UUID for the record.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: i64,
    pub device_id: String,
    /// `completion`, `quiz_attempt` or `feedback`.
    pub kind: String,
    pub module_id: i64,
    pub module_version: i32,
    /// When it happened, corrected for the device's clock skew.
    pub occurred_at: DateTimeUtc,
    /// When it happened by the device's clock, as sent.
    pub device_occurred_at: DateTimeUtc,
    /// When the server stored it.
    pub received_at: DateTimeUtc,
    pub payload: Json,
    /// Quiz attempts: the server's score in percent, and whether it passes.
    pub score: Option<i32>,
    pub passed: Option<bool>,
    /// SHA-256 of the record's content (everything the device sent but its id): the same
    /// id with another fingerprint is a conflict.
    pub fingerprint: String,
    /// False for a record kept but not counted (a second answer to an assessment
    /// attempt): no progress, certificate or figure comes from it, and sending it again
    /// gets the same answer (`attempt_limit`).
    pub counted: bool,
    /// The assessment attempt a quiz attempt answers.
    pub attempt_id: Option<String>,
    /// The record this one is about: a review's submission.
    pub about: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
