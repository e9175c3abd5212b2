//! A module: its working copy (the draft authors edit) and where it stands.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "modules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `video`, `tip` or `quiz`.
    pub kind: String,
    /// `draft` (never published), `published` or `archived`.
    pub status: String,
    pub title: String,
    pub summary: String,
    /// JSON array of strings.
    pub tags: Json,
    pub estimated_seconds: i32,
    pub language: String,
    /// The kind's content, JSON (see `app::api::ModuleContent`).
    pub content: Json,
    /// Who may see it when published, JSON (see `app::api::Audience`).
    pub audience: Json,
    /// The latest published version, if any.
    pub published_version: Option<i32>,
    /// The working copy differs from the latest published version.
    pub has_unpublished_changes: bool,
    /// Where an imported module came from (`primer import`), to find it again.
    #[sea_orm(unique)]
    pub source_key: Option<String>,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
