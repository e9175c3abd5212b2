//! A step of the reminder cadence taken for one of a person's items (see
//! `crate::reminders`): written with the message it sent, so it is taken once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_steps")]
pub struct Model {
    /// Whose item.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// Which item, with its due date: `module:12:2027-01-09` (a new due date is a new item).
    #[sea_orm(primary_key, auto_increment = false)]
    pub item: String,
    /// `before-2`, `overdue-4`, `copied:7` (manager 7 told), `done:7` (and told it's done).
    #[sea_orm(primary_key, auto_increment = false)]
    pub step: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
