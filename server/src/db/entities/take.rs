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
    /// Since when its person agrees that a reviewer may feature it for their team (none:
    /// they don't).
    pub shared_at: Option<DateTimeUtc>,
    /// When its person last said yes or no here (a submission's consent, sent later from
    /// an offline phone, doesn't overturn a later choice).
    pub consent_changed_at: Option<DateTimeUtc>,
    /// The reviewer who featured it for the team, and when (shown only while shared).
    pub featured_by: Option<i64>,
    pub featured_at: Option<DateTimeUtc>,
    /// The team it was featured for: its person's then. Someone who moves to another
    /// team doesn't take their featured takes along.
    pub featured_team_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
