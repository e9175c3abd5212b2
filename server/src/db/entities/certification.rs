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
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl Model {
    fn ids(value: &Json) -> Vec<i64> {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    /// The modules a learner must complete.
    pub fn required(&self) -> Vec<i64> {
        Model::ids(&self.required_module_ids)
    }

    /// The quizzes of the final assessment.
    pub fn assessments(&self) -> Vec<i64> {
        Model::ids(&self.assessment_module_ids)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
