//! What certificates are decided from, per learner and module, kept beside the progress
//! projection in the transaction that stores records: when the module was first and last
//! completed, and for a quiz, when each score was first and last reached. Bounded (one
//! row per module completed, at most one per score 0–100 per quiz), so a sync decides
//! certificates by what its batch touched, never by reading a learner's history again;
//! `primer rebuild` recomputes it from the records alone.
//!
//! Times are the server's receive times, as certificates are dated by them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub module_id: i64,
    /// `done` (a completion, or a passed quiz attempt) or `score` (a quiz attempt that
    /// counted, at `score`). Read with [`Model::reached`].
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The score in percent for `score`; 0 for `done`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub score: i32,
    /// The first and last receive time of a record that reached it.
    pub first_at: DateTimeUtc,
    pub last_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::user::Entity", from = "Column::UserId", to = "super::user::Column::Id")]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
