//! A certification: a learning path whose required modules and final assessment earn a
//! certificate.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub description: String,
    #[sea_orm(unique)]
    pub path_id: i64,
    /// Goes up by one each time the requirements change.
    pub version: i32,
    /// JSON array of module ids.
    pub required_module_ids: Json,
    /// JSON array of quiz module ids.
    pub assessment_module_ids: Json,
    /// Percent every assessment quiz must reach.
    pub passing_score: i32,
    pub validity_months: Option<i32>,
    /// Assessment attempts a learner may use per certificate (the first, or since the
    /// last one).
    pub max_attempts: i32,
    /// How long after a used attempt the next one is issued.
    pub cooldown_minutes: i32,
    /// When the current version began (`None`: before this was kept; `updated_at`).
    pub version_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

// Its JSON columns are read in `db::columns`.

impl Model {
    /// When its current version began: no certificate of it is issued before.
    pub fn version_started(&self) -> DateTimeUtc {
        self.version_at.unwrap_or(self.updated_at)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
