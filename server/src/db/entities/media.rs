//! An uploaded file, content-addressed by its SHA-256.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    /// SHA-256 of the bytes, hex: also the media's id and its name in the store.
    #[sea_orm(primary_key, auto_increment = false)]
    pub sha256: String,
    /// `video`, `image` or `captions`.
    pub kind: String,
    pub content_type: String,
    pub bytes: i64,
    pub duration_s: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// For a video: the poster frame taken from it.
    pub poster_sha256: Option<String>,
    /// The name the file had on the author's computer.
    pub original_name: Option<String>,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTimeUtc,
    /// A video's own file was deleted once its renditions were ready (`--drop-originals`):
    /// the record stays, as versions name it; the same bytes uploaded again bring it back.
    pub dropped_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
