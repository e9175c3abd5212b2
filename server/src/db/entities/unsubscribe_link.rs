//! A one-click unsubscribe link (RFC 8058) for one person and one kind of message.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unsubscribe_links")]
pub struct Model {
    /// Random; it turns one kind of message off for one person, nothing more (it is kept
    /// as it is, since every message of the kind carries it).
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
    pub user_id: i64,
    /// A `MessageKind` name.
    pub kind: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
