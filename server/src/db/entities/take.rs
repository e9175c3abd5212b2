//! A recording a person made of a practice module: media that is theirs, which only they,
//! their reviewers, managers over them and admins may fetch (see `practice::takes`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "takes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// The take's file (its renditions and poster are the take's too).
    #[sea_orm(primary_key, auto_increment = false)]
    pub media_sha256: String,
    pub module_id: i64,
    /// The file's size, counted against the person's quota.
    pub bytes: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
