//! Content assigned to people: a module or a path, to a job role and/or a team,
//! required or suggested, due some days after each person's start date or on a date.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub module_id: Option<i64>,
    pub path_id: Option<i64>,
    /// Everyone with this job role (and, if `team_id` is set too, in that team).
    pub job_role: Option<String>,
    pub team_id: Option<i64>,
    pub required: bool,
    /// Due this many days after the person's start date (the 30/60/90-day tiers)...
    pub due_days: Option<i32>,
    /// ...or on this date.
    pub due_date: Option<Date>,
    /// `due_days` count from the later of the person's start and this assignment's
    /// creation (a grace period for people who started long before it).
    pub grace: bool,
    #[sea_orm(unique)]
    pub source_key: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
