//! An assessment attempt: issued by the server to one learner for one version of an
//! assessment quiz, with the questions drawn for it in the order shown. Only the first
//! record received for it is scored.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_attempts")]
pub struct Model {
    /// A random UUID, made by the server.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: i64,
    pub module_id: i64,
    pub module_version: i32,
    /// JSON array of the version's question indexes, in the order shown (read by
    /// `db::columns`).
    pub questions: Json,
    pub issued_at: DateTimeUtc,
    /// When the first record for it was received: it is used.
    pub used_at: Option<DateTimeUtc>,
    /// That record.
    pub record_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
