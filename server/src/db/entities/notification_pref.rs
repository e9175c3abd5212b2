//! A person's notification preferences (see `crate::reminders`); no row: the defaults.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_prefs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// The kinds of message turned off, a JSON array of `MessageKind` names.
    pub off: String,
    /// Quiet hours in the person's time zone: nothing is sent from this hour (0–23)...
    pub quiet_from: Option<i16>,
    /// ...until this one.
    pub quiet_to: Option<i16>,
    /// The weekly digest's day, 1 = Monday … 7 = Sunday (`None`: Monday).
    pub digest_weekday: Option<i16>,
    /// ...and hour, 0–23 (`None`: 8).
    pub digest_hour: Option<i16>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
