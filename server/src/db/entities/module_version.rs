//! A published version of a module: frozen, never changed. What learners record points at
//! exactly one of these.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "module_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub module_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub tags: Json,
    pub estimated_seconds: i32,
    pub language: String,
    /// The content as published, with rendered, sanitised HTML for tip cards.
    pub content: Json,
    pub audience: Json,
    /// SHA-256s of every media file the version uses (JSON array).
    pub media: Json,
    /// Their total size: what a learner downloads to have it offline.
    pub media_bytes: i64,
    pub published_by: Option<i64>,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::module::Entity", from = "Column::ModuleId", to = "super::module::Column::Id")]
    Module,
}

impl Related<super::module::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Module.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
