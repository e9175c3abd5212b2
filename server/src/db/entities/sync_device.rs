//! A device that has synced a learner's records, and when it last did.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_devices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub device_id: String,
    pub last_sync_at: DateTimeUtc,
    /// How far the device's clock was behind the server's at its last sync (negative:
    /// ahead), in milliseconds.
    pub clock_skew_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
