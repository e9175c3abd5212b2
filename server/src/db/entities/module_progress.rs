//! Where a learner stands on one module: a projection of their learning records, kept
//! up to date in the same transaction that stores new records, and rebuilt from the
//! records alone by `primer rebuild`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "module_progress")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub module_id: i64,
    /// When it was first completed (a passed quiz completes it).
    pub completed_at: Option<DateTimeUtc>,
    /// When it was last completed.
    pub last_completed_at: Option<DateTimeUtc>,
    /// The newest version completed.
    pub completed_version: Option<i32>,
    /// The best quiz score, in percent.
    pub best_score: Option<i32>,
    pub attempts: i32,
    /// The latest rating (1–5), and when it was given.
    pub rating: Option<i32>,
    pub rated_at: Option<DateTimeUtc>,
    pub last_activity_at: DateTimeUtc,
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
