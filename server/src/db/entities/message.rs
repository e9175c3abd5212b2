//! A message Primer sends a person (see `crate::messages`): queued, then sent or failed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique: who, why and for which period (`password-link:12:…`). A second message
    /// with a key that is there already is not added, so two servers never both send it.
    #[sea_orm(unique)]
    pub key: String,
    /// The person it is for.
    pub user_id: i64,
    /// `email`.
    pub channel: String,
    /// What it is about: one of `messages::Kind`.
    pub kind: String,
    /// The address at the time it was queued.
    pub to_address: String,
    /// Set when it is written, just before it is sent.
    pub subject: Option<String>,
    /// `queued`, `sent` or `failed`: read with `messages::State`.
    pub state: String,
    /// Times it was handed to the mail server (more than one: it may have been delivered
    /// more than once).
    pub attempts: i32,
    pub last_error: Option<String>,
    /// What it is written from, JSON. Never a secret: a password link is made when the
    /// message is written, and only its hash is stored.
    pub payload: String,
    /// The admin who asked for it, if one did.
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
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
